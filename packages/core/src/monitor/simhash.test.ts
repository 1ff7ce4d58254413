// simhash64: near-identical prompts land within Hamming distance 3, unrelated ones far apart; band pigeonhole.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hammingDistance64, isSimhash64, simhash64, simhashBands } from './simhash.js';

const PROMPT = 'Please summarise the account history for customer number 4417 and tell me whether they were ever late on a payment in the last two years; include the dates.';

describe('simhash64', () => {
  it('is 16 hex digits, deterministic, and insensitive to case and spacing', () => {
    const f = simhash64(PROMPT);
    expect(isSimhash64(f)).toBe(true);
    expect(simhash64(PROMPT)).toBe(f);
    expect(simhash64(PROMPT.toUpperCase().replace(/ /g, '   \n'))).toBe(f);
    expect(simhash64('')).toBe('0000000000000000');
  });

  it('puts prompts that differ in a number or one word within distance 3, and unrelated prompts far away', () => {
    const base = simhash64(PROMPT);
    for (let i = 0; i < 20; i++) expect(hammingDistance64(base, simhash64(PROMPT.replace('4417', String(1000 + i * 37))))).toBeLessThanOrEqual(3);
    const long = `${PROMPT} The customer opened the account in spring, moved abroad for work, changed their address twice, asked for a higher overdraft limit, disputed one card transaction at a hotel, and later closed a savings pocket. Keep the answer short, formal and in English, and list any fees we refunded along with the reason given by the branch.`;
    expect(hammingDistance64(simhash64(long), simhash64(long.replace('formal', 'polite')))).toBeLessThanOrEqual(3);
    const unrelated = ['What is the capital of France?', 'Write a haiku about autumn leaves falling on a quiet pond.', 'Translate good morning into Spanish and Italian'];
    for (const text of unrelated) expect(hammingDistance64(base, simhash64(text))).toBeGreaterThan(10);
  });

  it('shingles unspaced scripts, so a one-character change moves few bits', () => {
    const a = simhash64('東京の天気は晴れですか、それとも雨ですか。明日の予定を教えてください。');
    const b = simhash64('東京の天気は晴れですか、それとも雪ですか。明日の予定を教えてください。');
    expect(hammingDistance64(a, b)).toBeLessThan(hammingDistance64(a, simhash64('What is the capital of France?')));
  });

  it('bounds the work on huge texts: only the first and last 8 KiB count', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`).join(' ');
    const head = words(3000);
    const tail = words(3000);
    expect(simhash64(`${head} middle one ${tail}`)).toBe(simhash64(`${head} another middle entirely ${tail}`));
  });

  it('every pair within distance 3 shares a band (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 3 }), (value, bits) => {
      let other = value;
      for (const bit of bits) other ^= 1n << BigInt(bit);
      const a = value.toString(16).padStart(16, '0');
      const b = other.toString(16).padStart(16, '0');
      expect(hammingDistance64(a, b)).toBe(bits.length);
      const bandsB = new Set(simhashBands(b));
      expect(simhashBands(a).some((band) => bandsB.has(band))).toBe(true);
    }));
  });

  it('rejects malformed fingerprints', () => {
    expect(() => hammingDistance64('xyz', '0000000000000000')).toThrow(TypeError);
  });
});
