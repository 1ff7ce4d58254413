// The pooled IV source never repeats an IV and never hands out a view of its pool.
import { describe, expect, it } from 'vitest';
import { randomIv } from './random-iv.js';

describe('randomIv', () => {
  it('gives 16 fresh bytes each time across several pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const iv = randomIv();
      expect(iv.length).toBe(16);
      seen.add(iv.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });
  it('returns copies: changing one IV does not change the next ones', () => {
    const a = randomIv();
    const before = Buffer.from(a);
    a.fill(0);
    const b = randomIv();
    expect(b.equals(Buffer.alloc(16))).toBe(false);
    expect(before.equals(Buffer.alloc(16))).toBe(false);
  });
});
