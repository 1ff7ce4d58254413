// Prototype poisoning (issue 13 item 4): redacted bodies keep JSON.parse semantics and the cache key covers them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical.js';
import { compilePii } from './scanner.js';

const PII = ['jane.doe@example.com', '4111 1111 1111 1111', '+44 20 7946 0958', 'SSN 536-22-1234'];
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PII), fc.constantFrom(...PII).map((p) => `note ${p} end`));
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'max_tokens', 'hasOwnProperty'), fc.string({ maxLength: 6 }), fc.constantFrom(...PII));

/** JSON texts whose objects may carry `__proto__` and other dangerous names as own keys. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 5 }, text.map((s) => JSON.stringify(s)), fc.integer().map(String), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
})).value;

/** Asserts `a` has `b`'s shape (keys matched by position: redaction renames keys), only own data properties on plain objects and arrays. */
function sameOwnShape(a: unknown, b: unknown): void {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    expect(Object.getPrototypeOf(x)).toBe(Array.isArray(y) ? Array.prototype : Object.prototype);
    const keys = Object.keys(x);
    const other = Object.keys(y as object);
    expect(keys).toHaveLength(other.length);
    keys.forEach((k, i) => {
      const desc = Object.getOwnPropertyDescriptor(x, k)!;
      expect('value' in desc && desc.writable && desc.enumerable).toBe(true);
      stack.push([desc.value, Object.getOwnPropertyDescriptor(y, other[i]!)!.value]);
    });
  }
}

describe('redaction clone', () => {
  const scanner = compilePii({ action: 'redact' });

  it('every redacted body has Object.prototype objects with JSON.parse own keys, never a set prototype', () => {
    fc.assert(fc.property(jsonText, (source) => {
      const parsed = JSON.parse(source) as unknown;
      const verdict = scanner.inspect(parsed);
      if (verdict.action !== 'redact') return;
      const body = verdict.body;
      // Same structure as a fresh parse of the redacted text: own keys and prototypes as JSON.parse makes them.
      const reparsed = JSON.parse(JSON.stringify(body)) as unknown;
      sameOwnShape(body, reparsed);
      sameOwnShape(body, parsed);
      expect(JSON.stringify(Object.keys(body as object))).toBe(JSON.stringify(Object.keys(reparsed as object)));
      expect(canonicalJson(body)).toBe(canonicalJson(reparsed));
    }), { numRuns: 500 });
  });

  it('a redacted "__proto__" object stays an own key: fields read by property access are not the attacker\'s', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom(...PII), (maxTokens, pii) => {
      const source = `{"model":"m","messages":[{"role":"user","content":${JSON.stringify(pii)}}],"__proto__":{"max_tokens":${maxTokens}}}`;
      const verdict = scanner.inspect(JSON.parse(source));
      expect(verdict.action).toBe('redact');
      const body = verdict.body as Record<string, unknown>;
      expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
      expect(body.max_tokens).toBeUndefined();
      expect(Object.keys(body)).toEqual(['model', 'messages', '__proto__']);
      // The cache key covers the own "__proto__" member: two values give two keys.
      const other = scanner.inspect(JSON.parse(source.replace(`"max_tokens":${maxTokens}`, `"max_tokens":${maxTokens + 1}`)));
      expect(canonicalJson(other.body)).not.toBe(canonicalJson(body));
      expect(canonicalJson(body)).toContain(`"__proto__":{"max_tokens":${maxTokens}}`);
    }), { numRuns: 100 });
  });

  it('a "__proto__" key that is itself PII is renamed as an own key', () => {
    const verdict = scanner.inspect(JSON.parse('{"jane.doe@example.com":{"__proto__":{"x":1}},"__proto__":"mail jane.doe@example.com"}'));
    const body = verdict.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['[EMAIL_1]', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(body, '__proto__')?.value).toBe('mail [EMAIL_1]');
    expect(Object.getPrototypeOf(body['[EMAIL_1]'])).toBe(Object.prototype);
  });
});

describe('canonicalJson and what a handler can read', () => {
  it('covers inherited enumerable fields of an object whose prototype is not Object.prototype', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 4 }), fc.integer(), (own, inherited) => {
      const body = Object.assign(Object.create({ max_tokens: inherited }) as Record<string, unknown>, own);
      const read = { ...Object.fromEntries(Object.entries(own)), max_tokens: body.max_tokens };
      expect(canonicalJson(body)).toBe(canonicalJson(read));
    }), { numRuns: 200 });
  });
});
