// KeyedHash must be exactly HMAC-SHA256 of the NUL-joined parts, for any key length and any text.
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedHash, keyedHash } from './keyed-hash.js';

const reference = (key: Uint8Array, parts: string[], encoding: 'hex' | 'base64url') => createHmac('sha256', key).update(parts.join('\0')).digest(encoding);

describe('KeyedHash', () => {
  it('equals createHmac for generated keys (0–200 bytes) and parts (any UTF-16, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 6 }), fc.constantFrom('hex' as const, 'base64url' as const), (key, parts, encoding) => {
        expect(new KeyedHash(key).digest(parts, encoding)).toBe(reference(key, parts, encoding));
      }),
      { numRuns: 400 },
    );
  });

  it('matches RFC 4231 test case 2, and joins parts with NUL', () => {
    const h = new KeyedHash(Buffer.from('Jefe'));
    expect(h.digest(['what do ya want for nothing?'], 'hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(h.digest(['what do ya', 'want'], 'hex')).toBe(reference(Buffer.from('Jefe'), ['what do ya\0want'], 'hex'));
  });

  it('gives the same answer on repeated and interleaved use (no state leaks between digests)', () => {
    const a = keyedHash(randomBytes(32));
    const b = keyedHash(randomBytes(32));
    const long = 'x'.repeat(70_000);
    const first = a.digest(['tenant', long], 'hex');
    b.digest(['other', 'y'.repeat(5)], 'hex');
    expect(a.digest(['tenant', long], 'hex')).toBe(first);
    expect(a.digest(['tenant', 'short'], 'hex')).not.toBe(first);
  });

  it('handles messages above the scratch size (a fresh buffer, same result)', () => {
    const key = randomBytes(32);
    const huge = 'é'.repeat(600_000);
    expect(new KeyedHash(key).digest(['a', huge], 'base64url')).toBe(reference(key, ['a', huge], 'base64url'));
  });

  it('memoizes one instance per key object', () => {
    const key = randomBytes(32);
    expect(keyedHash(key)).toBe(keyedHash(key));
  });
});
