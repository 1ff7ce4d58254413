// The in-process VectorIndex: the shared conformance suite, then what only it promises (bounds, fair eviction, HNSW).
import { describe, expect, it } from 'vitest';
import { MemoryVectorIndex, VectorcacheOptionError, type IndexedVector } from '@vectorcache/core';
import { BASE, DIMS, at, indexSuite } from './index-suite.js';

indexSuite('MemoryVectorIndex (exact)', () => ({ index: new MemoryVectorIndex({ dimensions: DIMS, hnsw: 'off' }) }));
// exactLimit 1 puts every partition of two or more vectors on HNSW.
indexSuite('MemoryVectorIndex (HNSW)', () => ({ index: new MemoryVectorIndex({ dimensions: DIMS, exactLimit: 1 }) }));

const now = Date.now();
const item = (tenantTag: string, key: string, over: Partial<IndexedVector> = {}): IndexedVector => ({
  partition: `p-${tenantTag}`, key, tenantTag, vector: BASE, expiresAt: now + 60_000, ...over,
});

function randomUnit(d: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: d }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('MemoryVectorIndex bounds and eviction', () => {
  it('holds at most maxVectors, and a flooding tenant evicts only its own vectors', () => {
    const index = new MemoryVectorIndex({ dimensions: DIMS, maxVectors: 10, hnsw: 'off' });
    for (let i = 0; i < 4; i++) index.upsert(item('small', `s${i}`));
    for (let i = 0; i < 100; i++) index.upsert(item('flood', `f${i}`));
    expect(index.stats().vectors).toBe(10);
    const small = index.search({ partition: 'p-small', vector: BASE, k: 10, minSimilarity: 0.5, now });
    expect(small.map((m) => m.key).sort()).toEqual(['s0', 's1', 's2', 's3']);
    const flood = index.search({ partition: 'p-flood', vector: BASE, k: 10, minSimilarity: 0.5, now });
    // Oldest first: the six newest of the flood remain.
    expect(flood.map((m) => m.key).sort()).toEqual(['f94', 'f95', 'f96', 'f97', 'f98', 'f99']);
    expect(index.stats().evicted).toBe(94);
  });

  it('drops expired vectors before live ones when full', () => {
    const index = new MemoryVectorIndex({ dimensions: DIMS, maxVectors: 3, hnsw: 'off' });
    index.upsert(item('a', 'expired', { expiresAt: Date.now() - 1 }));
    index.upsert(item('a', 'old'));
    index.upsert(item('a', 'mid'));
    index.upsert(item('a', 'new'));
    const keys = index.search({ partition: 'p-a', vector: BASE, k: 5, minSimilarity: 0, now: Date.now() }).map((m) => m.key);
    expect(keys.sort()).toEqual(['mid', 'new', 'old']);
    expect(index.stats().evicted).toBe(0);
  });
});

describe('MemoryVectorIndex search paths', () => {
  it('uses HNSW past exactLimit once init() loaded usearch, and agrees with exact search', async () => {
    const d = 64;
    const hnsw = new MemoryVectorIndex({ dimensions: d, exactLimit: 100 });
    const exact = new MemoryVectorIndex({ dimensions: d, hnsw: 'off' });
    await hnsw.init();
    await exact.init();
    for (let i = 0; i < 1500; i++) {
      const v = { partition: 'p', key: `k${i}`, tenantTag: 't', vector: randomUnit(d, i + 1), expiresAt: now + 60_000 };
      hnsw.upsert(v);
      exact.upsert(v);
    }
    expect(hnsw.stats()).toMatchObject({ hnsw: true, approximatePartitions: 1, vectors: 1500 });
    expect(exact.stats()).toMatchObject({ hnsw: false, approximatePartitions: 0 });
    // Queries near a stored vector (a paraphrase hit): the quantised graph's shortlist, re-scored
    // exactly, must find the same best match as the exact scan, with the same cosine.
    let agree = 0;
    for (let q = 0; q < 50; q++) {
      const noise = randomUnit(d, 10_000 + q);
      const stored = randomUnit(d, q * 29 + 1);
      const vector = stored.map((x, i) => x + noise[i]! * 0.3);
      const norm = Math.hypot(...vector);
      const unitQuery = vector.map((x) => x / norm);
      const a = hnsw.search({ partition: 'p', vector: unitQuery, k: 3, minSimilarity: -1, now });
      const b = exact.search({ partition: 'p', vector: unitQuery, k: 3, minSimilarity: -1, now });
      if (a[0]?.key === b[0]?.key && Math.abs(a[0]!.similarity - b[0]!.similarity) < 1e-5) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(49);
    // Deleting through HNSW partitions keeps them consistent: a deleted twin is never found.
    const twin = randomUnit(d, 7);
    expect(hnsw.search({ partition: 'p', vector: twin, k: 1, minSimilarity: 0.99, now })[0]?.key).toBe('k6');
    expect(hnsw.deleteKeys(['k6'])).toBe(1);
    expect(hnsw.search({ partition: 'p', vector: twin, k: 1, minSimilarity: 0.99, now })).toEqual([]);
  });

  it('finds the near vector at 0.9 cosine in a large HNSW partition', async () => {
    const index = new MemoryVectorIndex({ dimensions: DIMS, exactLimit: 8 });
    await index.init();
    for (let i = 0; i < 200; i++) index.upsert(item('t', `noise${i}`, { vector: randomUnit(DIMS, i + 1) }));
    index.upsert(item('t', 'near', { vector: at(0.9, 2) }));
    expect(index.search({ partition: 'p-t', vector: BASE, k: 1, minSimilarity: 0.85, now })[0]?.key).toBe('near');
  });
});

describe('MemoryVectorIndex options', () => {
  it('names the option and the fix', () => {
    expect(() => new MemoryVectorIndex({} as never)).toThrow(/`dimensions` is required/);
    expect(() => new MemoryVectorIndex({ dimensions: 0 })).toThrow(VectorcacheOptionError);
    expect(() => new MemoryVectorIndex({ dimensions: 8, maxVector: 3 } as never)).toThrow(/maxVector` is not an option.*maxVectors/);
    expect(() => new MemoryVectorIndex({ dimensions: 8, hnsw: 'on' as never })).toThrow(/'auto' or 'off'/);
  });
});
