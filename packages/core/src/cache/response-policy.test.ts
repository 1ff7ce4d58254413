// Which answers may be stored (issue 13 item 10): generated header sets, not one literal each.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isJsonMediaType, storableHead } from './response-policy.js';

const head = (headers: Record<string, string>, status = 200) => ({ status, headers: { 'content-type': 'application/json', ...headers } });
const spaced = (parts: string[]) => fc.constantFrom(', ', ',', ' ,  ').map((sep) => parts.join(sep));

describe('storableHead', () => {
  it('stores a plain 200 JSON answer, with or without harmless directives', () => {
    expect(storableHead(head({}))).toBe(true);
    fc.assert(fc.property(fc.subarray(['public', 'max-age=60', 's-maxage=30', 'must-revalidate', 'immutable']), (parts) => {
      expect(storableHead(head(parts.length ? { 'cache-control': parts.join(', ') } : {}))).toBe(true);
    }));
  });

  it('never stores no-store, private, no-cache, max-age=0 or s-maxage=0, wherever the directive stands and however cased', () => {
    const forbidden = fc.constantFrom('no-store', 'private', 'no-cache', 'max-age=0', 's-maxage=0', 'max-age="0"', 'private="set-cookie"', 'no-cache="x-foo"', 'max-age=-1');
    fc.assert(fc.property(fc.subarray(['public', 'max-age=60', 'immutable']), forbidden, fc.boolean(), (others, bad, upper) => {
      const value = fc.sample(spaced([...others, upper ? bad.toUpperCase() : bad]), 1)[0]!;
      expect(storableHead(head({ 'cache-control': value }))).toBe(false);
    }));
  });

  it('event streams may say no-cache (proxy buffering), never no-store or private', () => {
    expect(storableHead(head({ 'cache-control': 'no-cache' }), true)).toBe(true);
    expect(storableHead(head({ 'cache-control': 'no-cache, no-store' }), true)).toBe(false);
    expect(storableHead(head({ 'cache-control': 'private' }), true)).toBe(false);
  });

  it('never stores Vary: * or a Vary on Authorization, Cookie or X-API-Key', () => {
    fc.assert(fc.property(fc.subarray(['accept', 'accept-encoding', 'origin']), fc.constantFrom('*', 'Authorization', 'cookie', 'COOKIE', 'x-api-key'), (others, bad) => {
      expect(storableHead(head({ vary: [...others, bad].join(', ') }))).toBe(false);
    }));
    expect(storableHead(head({ vary: 'accept-encoding, origin' }))).toBe(true);
  });

  it('never stores a non-200 status or an answer that sets a cookie', () => {
    fc.assert(fc.property(fc.integer({ min: 100, max: 599 }).filter((s) => s !== 200), (status) => {
      expect(storableHead(head({}, status))).toBe(false);
    }));
    expect(storableHead({ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': 'a=b' } })).toBe(false);
  });
});

describe('isJsonMediaType', () => {
  it('is exactly application/json or application/*+json', () => {
    for (const ok of ['application/json', 'application/problem+json', 'application/vnd.api+json']) expect(isJsonMediaType(ok)).toBe(true);
    for (const bad of ['application/jsonp', 'application/json-seq', 'application/jsonx', 'text/json', 'application/json+xml', 'application/x-ndjson', '']) expect(isJsonMediaType(bad)).toBe(false);
  });

  it('any suffix after json other than nothing is refused', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9-]{1,8}$/), (suffix) => {
      expect(isJsonMediaType(`application/json${suffix}`)).toBe(false);
      expect(isJsonMediaType(`application/json-${suffix}`)).toBe(false);
    }));
  });
});
