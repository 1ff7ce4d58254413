// Unit tests of the Redis plumbing that need no server: option checks, deadlines, key layout.
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '@vectorcache/core';
import { bounded, globEscape } from './connection.js';
import { RedisCacheStore, tenantBase, tenantOfKey } from './cache-store.js';
import { RedisCounterStore } from './counter-store.js';
import { RedisKeyStore } from './key-store.js';

describe('Redis store options', () => {
  it('rejects misuse before any connection is made, without echoing the URL', () => {
    expect(() => new RedisCacheStore({ url: 'http://user:s3cret@host:6379' })).toThrow(/`url` must start with redis:\/\//);
    try {
      new RedisKeyStore({ url: 'http://user:s3cret@host:6379' });
    } catch (err) {
      expect(String(err)).not.toContain('s3cret');
    }
    expect(() => new RedisCacheStore({ prefix: 'vc:{x}' })).toThrow(/`prefix`/);
    expect(() => new RedisCacheStore({ prefix: '' })).toThrow(/`prefix`/);
    expect(() => new RedisCounterStore({ commandTimeoutMs: 0 })).toThrow(/`commandTimeoutMs`/);
    expect(() => new RedisKeyStore({ localCacheMs: -1 })).toThrow(/`localCacheMs`/);
    expect(() => new RedisCacheStore({ adminTimeoutMs: 0 })).toThrow(/`adminTimeoutMs`/);
    expect(() => new RedisCacheStore({ timeout: 5 } as never)).toThrow(/`RedisCacheStore.timeout` is not an option/);
    expect(() => new RedisCacheStore({ client: {} as never })).toThrow(/`client`/);
  });
});

describe('bounded', () => {
  it('turns a call that never answers into StoreUnavailableError at the deadline', async () => {
    const started = performance.now();
    await expect(bounded('op', 30, () => new Promise(() => undefined))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('wraps client errors and passes results through', async () => {
    await expect(bounded('op', 100, () => Promise.reject(new Error('ECONNREFUSED')))).rejects.toThrow(/op: Redis unavailable \(ECONNREFUSED\)/);
    await expect(bounded('op', 100, async () => 42)).resolves.toBe(42);
  });
});

describe('key layout', () => {
  it('finds the tenant before the last colon', () => {
    expect(tenantOfKey('acme:ab12')).toBe('acme');
    expect(tenantOfKey('org:team:ab12')).toBe('org:team');
    expect(tenantOfKey('nocolon')).toBeUndefined();
  });

  it('puts the encoded tenant in a hash tag that no tenant name can break', () => {
    expect(tenantBase('vc:', 'acme')).toBe('vc:{t:acme}:');
    expect(tenantBase('vc:', 'a}b{c:d')).toBe('vc:{t:a%7Db%7Bc%3Ad}:');
    expect(tenantBase('vc:', 'a')).not.toBe(tenantBase('vc:', 'a:'));
  });

  it('escapes glob characters of a prefix', () => {
    expect(globEscape('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
});
