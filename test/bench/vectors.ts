// Data of the vector benchmarks: a seeded PRNG, clustered unit vectors like real embeddings, and loading them into an index.
import type { IndexedVector, VectorIndex } from '@vectorcache/core';

/** Deterministic PRNG, so every run searches the same data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** Scales `v` to unit length in place. */
export function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** Embedding-like data: points scattered around 1,000 topic centres (real embeddings cluster; uniform noise is HNSW's worst case). */
export function clustered(count: number, d: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const centres = Array.from({ length: Math.min(1000, count) }, () => unit(Float32Array.from({ length: d }, r)));
  return Array.from({ length: count }, (_, i) => {
    const c = centres[i % centres.length]!;
    return unit(c.map((x) => x + r() * 0.15));
  });
}

/** Upserts `vectors` into one partition under keys k0, k1, …, expiring in an hour. */
export function load(index: VectorIndex, vectors: Float32Array[], partition: string): void {
  const expiresAt = Date.now() + 3_600_000;
  vectors.forEach((vector, i) => void index.upsert({ partition, key: `k${i}`, tenantTag: 't', vector, expiresAt } satisfies IndexedVector));
}
