// CRC-32: the native zlib.crc32 and the table fallback agree with each other and with the standard check value.
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './crc32.js';

const native = (zlib as { crc32?: (data: string) => number }).crc32;

describe('crc32', () => {
  it('gives the standard check value on both paths', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32Table('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('uses zlib.crc32 exactly when Node has it', () => {
    expect(crc32 === crc32Table).toBe(typeof native !== 'function');
  });

  it('the table fallback equals zlib.crc32 on any ASCII text', () => {
    // Node before 20.15 has no reference to compare with; there crc32 is the fallback itself (above).
    if (!native) return;
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 80 }), (text) => {
        expect(crc32Table(text)).toBe(native!(text));
        expect(crc32(text)).toBe(native!(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
