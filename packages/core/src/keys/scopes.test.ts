// Tests for scope validation (with suggestions) and wildcard matching.
import { describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../errors.js';
import { hasScope, KNOWN_SCOPES, validateScopes } from './scopes.js';

describe('validateScopes', () => {
  it('accepts known scopes, resource wildcards and *, dropping duplicates', () => {
    expect(validateScopes(['cache:read', 'analytics:read', 'cache:read'], 'scopes')).toEqual(['cache:read', 'analytics:read']);
    expect(validateScopes(['cache:*', 'privacy:*', '*'], 'scopes')).toEqual(['cache:*', 'privacy:*', '*']);
    expect(validateScopes([...KNOWN_SCOPES], 'scopes')).toEqual([...KNOWN_SCOPES]);
    expect(validateScopes([], 'scopes')).toEqual([]);
  });

  it('rejects unknown scopes naming the option and suggesting the closest', () => {
    const error = (() => {
      try {
        validateScopes(['cache:raed'], '--scopes');
      } catch (e) {
        return e as VectorcacheOptionError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(VectorcacheOptionError);
    expect(error.option).toBe('--scopes');
    expect(error.message).toContain('did you mean "cache:read"');
    expect(() => validateScopes(['analytics:write'], 'scopes')).toThrow(/did you mean "analytics:read"/);
    expect(() => validateScopes(['Cache:Read'], 'scopes')).toThrow(/did you mean "cache:read"/);
    expect(() => validateScopes(['completely-unrelated-thing'], 'scopes')).toThrow(/unknown scope/);
    expect(() => validateScopes(['completely-unrelated-thing'], 'scopes')).not.toThrow(/did you mean/);
    expect(() => validateScopes(['unknown:*'], 'scopes')).toThrow(/unknown scope/);
    expect(() => validateScopes(['cache:'], 'scopes')).toThrow(/unknown scope/);
  });

  it('rejects non-arrays, empty strings and non-strings', () => {
    expect(() => validateScopes('cache:read', 'scopes')).toThrow(/must be an array/);
    expect(() => validateScopes([''], 'scopes')).toThrow(/non-empty strings/);
    expect(() => validateScopes([1], 'scopes')).toThrow(/non-empty strings/);
  });

  it('truncates a very long unknown scope in the message', () => {
    expect(() => validateScopes(['x'.repeat(5000)], 'scopes')).toThrow(/x{40}…/);
  });
});

describe('hasScope', () => {
  it('matches exact scopes and wildcards only', () => {
    expect(hasScope(['cache:read'], 'cache:read')).toBe(true);
    expect(hasScope(['cache:read'], 'cache:write')).toBe(false);
    expect(hasScope(['cache:*'], 'cache:write')).toBe(true);
    expect(hasScope(['cache:*'], 'analytics:read')).toBe(false);
    expect(hasScope(['*'], 'keys:admin')).toBe(true);
    expect(hasScope([], 'cache:read')).toBe(false);
    expect(hasScope(['cache'], 'cache:read')).toBe(false);
    expect(hasScope(['cache:read:extra'], 'cache:read')).toBe(false);
  });
});
