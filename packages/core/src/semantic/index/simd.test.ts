// Properties of the SIMD pre-filter: its scores stay within the stated bound, and exact search with it returns what plain JS returns, to the bit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Partition, type SlotInfo } from './partition.js';
import { createSimdScan, scanErrorBound, simdAvailable } from './simd.js';

/** A seeded LCG in [-0.5, 0.5): quality matters less here than speed over 700 × 356 values. */
function rng(seed: number): () => number {
  let state = seed | 0;
  return () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) | 0) / 4294967296;
}

const unit = (v: Float32Array): Float32Array => {
  const k = 1 / Math.hypot(...v);
  return v.map((x) => x * k);
};

/** Few topics, exact duplicates and near duplicates: ties and close calls are where a filter could go wrong. */
function dataset(seed: number, count: number, d: number, topics: number): Float32Array[] {
  const r = rng(seed);
  const centres = Array.from({ length: topics }, () => unit(Float32Array.from({ length: d }, r)));
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && r() > 0.4) out.push(out[Math.floor((r() + 0.5) * out.length)]!);
    else out.push(unit(centres[i % topics]!.map((x) => x + r() * 0.05)));
  }
  return out;
}

const info = (key: string, expiresAt: number, seq: number): SlotInfo => ({ key, tenantTag: 't', subjectTag: undefined, expiresAt, seq });

describe('SIMD exact-scan pre-filter', () => {
  it('is available on this Node (else these properties test the JS path against itself)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('scores within scanErrorBound of the float64 dot product', () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), (seed, quads, count) => {
      const d = quads * 4;
      const vectors = dataset(seed, count, d, 3);
      const scan = createSimdScan(d, count)!;
      for (const [i, v] of vectors.entries()) scan.vectors.set(v, i * d);
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
      fc.integer(), fc.constantFrom(8, 12, 100, 356), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 8 }),
      fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 1, max: 6 }),
      (seed, d, count, k, minSimilarity, topics) => {
        const vectors = dataset(seed, count, d, topics);
        const r = rng(seed ^ 0x5bd1e995);
        const fast = new Partition('p', d);
        const plain = new Partition('p', d, { simd: false });
        vectors.forEach((v, i) => {
          const slot = info(`k${i}`, r() > 0.35 ? now + 1 : now, i);
          fast.put(slot, v);
          plain.put(slot, v);
          // Removals swap the last vector in: the buffers must keep agreeing.
          if (r() > 0.85) {
            const gone = `k${Math.floor((r() + 0.5) * i)}`;
            fast.remove(gone);
            plain.remove(gone);
          }
        });
        if (fast.size * d * 4 >= 65_536) expect(fast.simd).toBe(true);
        for (let q = 0; q < 4; q++) {
          const query = q === 0 ? vectors[0]! : unit(vectors[Math.floor((r() + 0.5) * count)]!.map((x) => x + r() * 0.02));
          expect(fast.search(query, k, minSimilarity, now)).toEqual(plain.search(query, k, minSimilarity, now));
        }
      },
    ), { numRuns: 80 });
  });
});
