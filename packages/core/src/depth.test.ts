// Nesting depth (issue 13 item 2): the body cap, the parsed-value check, and walkers that cannot overflow the stack.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonDepthExceeds, jsonTextDepthExceeds, parseJsonText, readJsonStream } from './body.js';
import { canonicalJson } from './canonical.js';
import { compilePii } from './pii/scanner.js';

/** Reference depth by recursion (test-only; generated values stay far from the stack limit). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

/** JSON values with nested containers, strings full of brackets, quotes and backslashes. */
const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ', '\u00e9') });
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 12 }, tricky, fc.integer(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
})).value;

/** `depth` containers, arrays and objects mixed by `kinds`, around `leaf`. */
function nested(depth: number, kinds: boolean[], leaf: string): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const obj = kinds[i % kinds.length];
    open += obj ? '{"k":' : '[';
    close = (obj ? '}' : ']') + close;
  }
  return open + leaf + close;
}

describe('body nesting cap', () => {
  it('the text scan agrees with the real depth of generated JSON, brackets inside strings included', () => {
    fc.assert(fc.property(jsonValue, fc.integer({ min: 0, max: 14 }), (value, max) => {
      const text = JSON.stringify(value);
      expect(jsonTextDepthExceeds(text, max)).toBe(depthOf(value) > max);
      expect(jsonDepthExceeds(value, max)).toBe(depthOf(value) > max);
    }), { numRuns: 400 });
  });

  it('bodies nested past the cap are invalid_body, at or under it they parse', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20_000 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), tricky,
      (depth, kinds, s) => {
        const result = parseJsonText(nested(depth, kinds, JSON.stringify(s)));
        if (depth > MAX_JSON_DEPTH) expect(result).toEqual({ body: undefined, error: 'invalid_body' });
        else expect(result.error).toBeUndefined();
      },
    ), { numRuns: 200 });
  });

  it('a stream of a few thousand nested arrays is refused while reading, not thrown', async () => {
    const text = '['.repeat(5000) + ']'.repeat(5000);
    const read = await readJsonStream(Readable.from([Buffer.from(text)]), 1_000_000);
    expect(read.error).toBe('invalid_body');
  });

  it('a cyclic parsed value ends as too deep instead of looping', () => {
    const a: unknown[] = [];
    a.push({ a });
    expect(jsonDepthExceeds(a, MAX_JSON_DEPTH)).toBe(true);
  });
});

/** The previous recursive canonical form, the reference for the iterative one. */
function canonicalReference(value: unknown, ignore?: ReadonlySet<string>): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalReference(v)).join(',') + ']';
  const record = value as Record<string, unknown>;
  const parts = Object.keys(record).sort()
    .filter((k) => !ignore?.has(k) && record[k] !== undefined)
    .map((k) => JSON.stringify(k) + ':' + canonicalReference(record[k]));
  return '{' + parts.join(',') + '}';
}

describe('walkers without recursion', () => {
  it('canonicalJson equals the recursive form on generated bodies (top-level ignore set included)', () => {
    fc.assert(fc.property(jsonValue, fc.subarray(['stream', 'user', '[', 'a']), (value, ignored) => {
      const ignore = new Set(ignored);
      expect(canonicalJson(value, ignore)).toBe(canonicalReference(value, ignore));
      // Key order never matters.
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed, ignore)).toBe(canonicalJson(value, ignore));
      }
    }), { numRuns: 400 });
  });

  it('canonicalJson, the PII walk and the redaction clone handle 100,000 levels', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), (kinds) => {
      const text = nested(100_000, kinds, '"mail jane.doe@example.com"');
      const body = JSON.parse(text) as unknown;
      expect(canonicalJson(body)).toBe(text.replace('"mail', '"mail'));
      const verdict = compilePii({ action: 'redact' }).inspect(body);
      expect(verdict.action).toBe('redact');
      expect(canonicalJson(verdict.body)).toContain('[EMAIL_1]');
    }), { numRuns: 4 });
  });

  it('canonicalJson refuses a cyclic value with a TypeError instead of looping', () => {
    const a: Record<string, unknown> = {};
    a.self = [a];
    expect(() => canonicalJson(a)).toThrow(TypeError);
  });
});
