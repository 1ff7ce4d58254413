// The recursive fast writer and the iterative one give the same canonical JSON, for every value.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalDeep, canonicalJson } from './canonical.js';

describe('canonicalJson', () => {
  it('the fast path equals the iterative writer on generated JSON (with and without ignored top-level fields)', () => {
    const ignore = new Set(['stream', 'user']);
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      if (value === null || typeof value !== 'object') return;
      expect(canonicalJson(value)).toBe(canonicalDeep(value, undefined));
      expect(canonicalJson(value, ignore)).toBe(canonicalDeep(value, ignore));
    }), { numRuns: 500 });
  });

  it("past the fast path's depth the iterative writer takes over, and a cycle is refused, never looped on", () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 500; i++) deep = [deep];
    expect(canonicalJson(deep)).toBe(`${'['.repeat(500)}{"leaf":1}${']'.repeat(500)}`);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });
});
