// Properties of the SIMD pre-filter: its int16 scores stay within the stated bound (dense or sparse queries, any dimensions), and exact search with it returns what plain JS returns, to the bit.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { Partition, type SlotInfo } from './partition.js';
import { createSimdScan, scanErrorBound, simdAvailable } from './simd.js';

/** A seeded LCG in [-0.5, 0.5): quality matters less here than speed over 700 × 356 values. */
function rng(seed: number): () => number {
  let state = seed | 0;
  return () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) | 0) / 4294967296;
}

/** True with probability p. */
const chance = (r: () => number, p: number): boolean => r() + 0.5 < p;

const unit = (v: Float32Array): Float32Array => {
  const k = 1 / Math.hypot(...v);
  return v.map((x) => x * k);
};

/**
 * Few topics, exact duplicates and near duplicates: ties and close calls are where a filter could go
 * wrong. `sparse` zeroes most 4-float chunks, each vector its own (the first always stays), as hashed lexical features do.
 */
function dataset(seed: number, count: number, d: number, topics: number, sparse = false): Float32Array[] {
  const r = rng(seed);
  const thin = (v: Float32Array): Float32Array => {
    if (!sparse) return v;
    // About a quarter of the chunks stay, a different quarter per vector, and within them any lane
    // may be zero too (a chunk is skipped only when all four are).
    const salt = Math.floor((r() + 0.5) * 4294967296) | 1;
    const kept = (i: number): boolean => i < 4 || (Math.imul((i >> 2) + 1, salt) >>> 30 === 0 && chance(r, 0.5));
    return unit(v.map((x, i) => (kept(i) ? x : 0)));
  };
  const centres = Array.from({ length: topics }, () => unit(Float32Array.from({ length: d }, r)));
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && chance(r, 0.3)) out.push(out[Math.floor((r() + 0.5) * out.length)]!);
    else out.push(thin(unit(centres[i % topics]!.map((x) => x + r() * 0.05))));
  }
  return out;
}

const info = (key: string, expiresAt: number, seq: number): SlotInfo => ({ key, tenantTag: 't', subjectTag: undefined, expiresAt, seq });

describe('SIMD exact-scan pre-filter', () => {
  it('is available on this Node (else these properties test the JS path against itself)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('scores within scanErrorBound of the float64 dot product', () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), (seed, d, count, sparse) => {
      const vectors = dataset(seed, count, d, 3, sparse);
      const scan = createSimdScan(d, count)!;
      for (const [i, v] of vectors.entries()) scan.write(i, v);
      const query = vectors[0]!;
      const sims = scan.scan(query, count);
      for (let s = 0; s < count; s++) {
        let exact = 0;
        for (let i = 0; i < d; i++) exact += query[i]! * vectors[s]![i]!;
        expect(Math.abs(sims[s]! - exact)).toBeLessThanOrEqual(scanErrorBound(d));
      }
    }), { numRuns: 60 });
  });

  it('leaves exact search unchanged: same keys, same similarities, same order, through growth, removals and expiry', () => {
    const now = 1_000_000;
    fc.assert(fc.property(
      fc.integer(), fc.constantFrom(8, 12, 13, 100, 356, 357), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 8 }),
      fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.boolean(),
      (seed, d, count, k, minSimilarity, topics, sparse) => {
        const vectors = dataset(seed, count, d, topics, sparse);
        const r = rng(seed ^ 0x5bd1e995);
        const fast = new Partition('p', d);
        const plain = new Partition('p', d, { simd: false });
        vectors.forEach((v, i) => {
          const slot = info(`k${i}`, chance(r, 0.8) ? now + 1 : now, i);
          fast.put(slot, v);
          plain.put(slot, v);
          // Removals swap the last vector in: the buffers must keep agreeing.
          if (chance(r, 0.15)) {
            const gone = `k${Math.floor((r() + 0.5) * i)}`;
            fast.remove(gone);
            plain.remove(gone);
          }
        });
        if (fast.size * d * 4 >= 65_536) expect(fast.simd).toBe(true);
        for (let q = 0; q < 4; q++) {
          // Stored vectors as queries keep their zero chunks (the SIMD pass skips those); noised ones have none.
          const pick = vectors[Math.floor((r() + 0.5) * count)]!;
          const query = q < 2 ? pick : unit(pick.map((x) => x + r() * 0.02));
          expect(fast.search(query, k, minSimilarity, now)).toEqual(plain.search(query, k, minSimilarity, now));
        }
      },
    ), { numRuns: 80 });
  });
  it('keeps the exact winner when the int16 grid ranks it below another (the margin is what keeps it)', () => {
    // Near duplicates of the query differ by less than the grid's rounding, so the grid often ranks
    // a pair the wrong way round; without the error margin the exact winner would be ruled out.
    const d = 100;
    const r = rng(11);
    const query = unit(Float32Array.from({ length: d }, r));
    const exact = (v: Float32Array): number => v.reduce((sum, x, i) => sum + x * query[i]!, 0);
    const scan = createSimdScan(d, 2)!;
    let pair: { winner: Float32Array; runnerUp: Float32Array } | undefined;
    for (let tries = 0; !pair && tries < 1000; tries++) {
      const a = unit(query.map((x) => x + r() * 1e-3));
      const b = unit(query.map((x) => x + r() * 1e-3));
      const [winner, runnerUp] = exact(a) > exact(b) ? [a, b] : [b, a];
      scan.write(0, winner);
      scan.write(1, runnerUp);
      const approximate = scan.scan(query, 2);
      if (approximate[0]! < approximate[1]!) pair = { winner, runnerUp };
    }
    expect(pair).toBeDefined(); // the flip this test is about
    const partition = new Partition('p', d);
    // Enough clearly worse vectors that the partition's buffer passes the SIMD threshold.
    for (let i = 0; i < 120; i++) partition.put(info(`filler${i}`, Infinity, i), unit(query.map((x) => r() - x)));
    partition.put(info('winner', Infinity, 200), pair!.winner);
    partition.put(info('runner-up', Infinity, 201), pair!.runnerUp);
    expect(partition.simd).toBe(true);
    expect(partition.search(query, 1, 0, 0).map((m) => m.key)).toEqual(['winner']);
    expect(partition.search(query, 2, 0, 0).map((m) => m.key)).toEqual(['winner', 'runner-up']);
  });

  it('drops the int16 copies once the partition is approximate (HNSW never scans them), and keeps them dropped through growth', () => {
    const d = 100;
    const vectors = dataset(5, 200, d, 3);
    const partition = new Partition('p', d);
    for (const [i, v] of vectors.entries()) partition.put(info(`k${i}`, Infinity, i), v);
    expect(partition.simd).toBe(true);
    // A stand-in graph that shortlists every vector: the partition's own bookkeeping is under test.
    const ids: number[] = [];
    partition.index(() => ({ add: (added) => void ids.push(...added), remove: () => {}, search: () => ({ ids: [...ids] }) }));
    expect(partition.simd).toBe(false);
    for (let i = 200; i < 700; i++) partition.put(info(`k${i}`, Infinity, i), vectors[i % 200]!);
    expect(partition.simd).toBe(false);
    expect(partition.search(vectors[3]!, 1, 0.5, 0)[0]!.similarity).toBeCloseTo(1, 6);
  });

  it('falls back to the JS scan, with the same results, when its WebAssembly memory cannot grow', () => {
    const d = 100;
    const vectors = dataset(9, 600, d, 4);
    const fast = new Partition('p', d);
    const plain = new Partition('p', d, { simd: false });
    const put = (i: number): void => {
      fast.put(info(`k${i}`, Infinity, i), vectors[i]!);
      plain.put(info(`k${i}`, Infinity, i), vectors[i]!);
    };
    for (let i = 0; i < 200; i++) put(i);
    expect(fast.simd).toBe(true);
    const grow = vi.spyOn((globalThis as unknown as { WebAssembly: { Memory: { prototype: { grow: () => number } } } }).WebAssembly.Memory.prototype, 'grow')
      .mockImplementation(() => { throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'); });
    let refused: number;
    try {
      for (let i = 200; i < 600; i++) put(i);
    } finally {
      // mockRestore() clears the recorded calls: count them first.
      refused = grow.mock.calls.length;
      grow.mockRestore();
    }
    expect(refused).toBeGreaterThan(0);
    expect(fast.simd).toBe(false);
    for (const q of [vectors[3]!, vectors[450]!]) expect(fast.search(q, 4, 0.2, 0)).toEqual(plain.search(q, 4, 0.2, 0));
  });
});
