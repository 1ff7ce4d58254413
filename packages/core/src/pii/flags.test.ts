// Differential tests of the SIMD flag kernel: the same flagged units and the same findings as the plain reference, on hostile Unicode too.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CORPUS } from './corpus.js';
import { EVASION_CORPUS } from './corpus-evasion.js';
import { FLAG_CHUNK, flag, flagPlain, simdFlagsAvailable, useSimdFlags } from './flags.js';
import { compilePii, scanTextExhaustive } from './scanner.js';
import { SECRET_PREFIXES } from './secret.js';

/** Units where byte narrowing, letter and digit ranges, folding and surrogates change behaviour. */
const EDGE_UNITS = [
  ...'09@%&+(-./_ \t\nazAZ`{[',
  ...new Set(SECRET_PREFIXES.map((p) => p[0]!)),
  '\u007f', '\u0080', '\u00a0', '\u00ff', '\u0100', '\u0141', '\u0161', '\u0430', '\u0455', '\u04cf',
  '\u0660', '\u0969', '\u200b', '\u200c', '\u200d', '\u2060', '\u2013', '\u2212', '\u3000', '\ufeff',
  '\uff10', '\uff19', '\uff21', '\uff41', '\uff20', '\u7fff', '\u8000', '\u8020', '\u8061', '\ud835', '\udfce', '\ud800', '\udfff', '\uffff',
];
const FRAGMENTS = [
  ...CORPUS.map((e) => e.text),
  ...EVASION_CORPUS.map((e) => e.text),
  ...SECRET_PREFIXES,
  '\ud835\udfce\ud835\udfcf', // mathematical bold digits (a surrogate pair each)
  '４１１１\u200b１１１１',
  'ｓｋ-',
  'gb82 west',
  'x9sk-',
  '&#64;',
  '%40',
];
const textArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(...FRAGMENTS),
      fc.string({ unit: fc.constantFrom(...EDGE_UNITS), maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

function positions(text: string, simd: boolean): number[] {
  const was = useSimdFlags(simd);
  try {
    const all: number[] = [];
    for (let start = 0; start < Math.max(1, text.length); start += FLAG_CHUNK) {
      const { positions, count, units } = flag(text, start);
      const end = Math.min(text.length, start + FLAG_CHUNK);
      for (let i = start; i < end; i++) if (units[i] !== text.charCodeAt(i)) throw new Error(`unit ${i} differs`);
      all.push(...positions.subarray(0, count));
    }
    return all;
  } finally {
    useSimdFlags(was);
  }
}

function findings(text: string, simd: boolean): unknown {
  const was = useSimdFlags(simd);
  try {
    return compilePii().scanText(text);
  } finally {
    useSimdFlags(was);
  }
}

describe('PII flag kernel', () => {
  afterEach(() => {
    useSimdFlags(true);
  });

  it('is available on the supported Node versions (else every test here would compare the reference with itself)', () => {
    expect(simdFlagsAvailable()).toBe(true);
  });

  it('flags exactly the units the plain reference flags, and copies every unit (random and hostile text)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(positions(text, true)).toEqual(positions(text, false));
      }),
      { numRuns: 1500 },
    );
  });

  it('flags across chunk boundaries exactly like the reference', () => {
    for (const size of [32_760, 32_768, 65_530, 65_536, 100_003]) {
      for (const fragment of ['sk-', 'ab1', ' e', '4111 1111 1111 1111', '\ud835\udfce', '\u200b', 'x.y@z']) {
        for (const shift of [-3, -2, -1, 0, 1]) {
          const head = 'word '.repeat(Math.ceil(size / 5)).slice(0, size + shift);
          const text = head + fragment + ' tail';
          expect(positions(text, true)).toEqual(positions(text, false));
        }
      }
    }
  });

  it('finds exactly what the plain reference and a full scan find (random and hostile text)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const fast = findings(text, true);
        expect(fast).toEqual(findings(text, false));
        expect(fast).toEqual(scanTextExhaustive(text));
      }),
      { numRuns: 800 },
    );
  });

  it('reads no stale unit or flag of an earlier, longer text', () => {
    expect(flagPlain('o '.repeat(40_000)).count).toBe(0);
    expect(positions('o1'.repeat(40_000), true)).toHaveLength(40_000);
    expect(positions('a1 sk-x', true)).toEqual([1, 3, 5, 6]);
    expect(positions('o '.repeat(40_000) + '9', true)).toEqual([80_000]);
    expect(positions('ab', true)).toEqual([]);
    expect(positions('9', true)).toEqual([0]);
  });
});
