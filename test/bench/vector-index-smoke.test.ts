// Keeps the vector-index benchmark from rotting: tiny sizes, every row present with a finite figure (no timing asserted).
import { describe, expect, it } from 'vitest';
import { VECTOR_BENCH_SETTINGS, runVectorBench } from './vector-index.js';

describe('vector index benchmark (smoke)', () => {
  it('produces search, memory, rotation and pgvector rows', { timeout: 120_000 }, async () => {
    const rows = await runVectorBench(VECTOR_BENCH_SETTINGS.tiny);
    expect(rows.map((r) => r.id)).toEqual([
      'vindex.search.200.16', 'vindex.memory.200.16', 'vindex.search.1000.16', 'vindex.memory.1000.16', 'vindex.search.5000.16', 'vindex.memory.5000.16',
      'vrotation.100', 'vrotation.1536', 'semantic.miss.added', 'vindex.pg.search',
    ]);
    for (const row of rows) {
      if (row.id.startsWith('vindex.memory')) expect(row.result, row.id).toMatch(/^-?\d+ B$/);
      else expect(Number.isFinite(row.ns) && row.ns! >= 0, `${row.id}: ${row.ns}`).toBe(true);
    }
    // 200 and 1,000 vectors stay under the exact limit (2,048 at 16-d with SIMD); 5,000 go to HNSW, which must still find near duplicates.
    expect(rows.find((r) => r.id === 'vindex.search.200.16')!.data).toMatchObject({ mode: 'exact', recall: 1 });
    expect(rows.find((r) => r.id === 'vindex.search.1000.16')!.data).toMatchObject({ mode: 'exact', recall: 1 });
    expect(rows.find((r) => r.id === 'vindex.search.5000.16')!.data).toMatchObject({ mode: 'HNSW (usearch)' });
    expect(rows.find((r) => r.id === 'vindex.search.5000.16')!.data!.recall).toBeGreaterThanOrEqual(0.95);
  });
});
