// PgVectorIndex against a real pgvector (PGlite over TCP): the shared conformance suite, then schema, options and recall.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { VectorcacheOptionError } from '@vectorcache/core';
import { PgVectorIndex } from '@vectorcache/pgvector';
import { BASE, DIMS, at, indexSuite } from './index-suite.js';
import { startPglite, type PgliteServer } from './pglite-server.js';

let server: PgliteServer;
beforeAll(async () => {
  server = await startPglite();
});
afterAll(async () => {
  await server?.stop();
});

const TIMEOUT_MS = 300;
const make = (table = 'vc_suite'): PgVectorIndex => new PgVectorIndex({ connectionString: server.url, dimensions: DIMS, table, timeoutMs: TIMEOUT_MS });

indexSuite('PgVectorIndex (pglite + pgvector)', () => {
  const index = make();
  return {
    index,
    timeoutMs: TIMEOUT_MS,
    stall: async () => server.stall(),
    second: async () => {
      const other = make();
      await other.init();
      return other;
    },
    cleanup: () => index.shutdown(),
  };
}, { stalls: true, shared: true });

describe('PgVectorIndex schema', () => {
  it('creates a versioned schema once, even with two instances starting at the same time', async () => {
    const a = make('vc_race');
    const b = make('vc_race');
    await Promise.all([a.init(), b.init()]);
    expect(a.schema?.vectorVersion).toMatch(/^0\.(8|9)|^[1-9]/);
    const pool = new pg.Pool({ connectionString: server.url, max: 1 });
    try {
      const { rows } = await pool.query("SELECT component, version, dimensions FROM vc_race_schema");
      expect(rows).toEqual([{ component: 'vectors', version: 1, dimensions: DIMS }]);
      const { rows: indexes } = await pool.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'vc_race' ORDER BY indexname");
      const defs = indexes.map((r: { indexdef: string }) => r.indexdef).join('\n');
      expect(defs).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
      expect(defs).toMatch(/btree \(partition, key\)/);
    } finally {
      await pool.end();
      await a.shutdown();
      await b.shutdown();
    }
  });

  it('refuses a table built for another vector length', async () => {
    const first = make('vc_dims');
    await first.init();
    await first.shutdown();
    const other = new PgVectorIndex({ connectionString: server.url, dimensions: DIMS * 2, table: 'vc_dims' });
    await expect(other.init()).rejects.toMatchObject({ code: 'dimension_mismatch', message: expect.stringMatching(/16 dimensions.*32/) });
    await other.shutdown();
  });

  it('finds the one vector of a small partition among thousands of another (the filter never starves the HNSW scan)', async () => {
    const index = make('vc_recall');
    try {
      await index.init();
      expect(index.schema?.iterativeScan).toBe(true);
      const expiresAt = Date.now() + 60_000;
      // 1,500 vectors close to the query in a big partition, then one farther away in a small one.
      for (let i = 0; i < 1500; i++) await index.upsert({ partition: 'big', key: `b${i}`, tenantTag: 't', vector: at(0.99 - (i % 50) / 1000, 1 + (i % 15)), expiresAt });
      await index.upsert({ partition: 'small', key: 'only', tenantTag: 't', vector: at(0.9, 3), expiresAt });
      const found = await index.search({ partition: 'small', vector: BASE, k: 3, minSimilarity: 0.5, now: Date.now() });
      expect(found).toEqual([{ key: 'only', similarity: expect.closeTo(0.9, 3) }]);
    } finally {
      await index.shutdown();
    }
  }, 60_000);

  it('works on a pool the application owns, and leaves it open', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    const index = new PgVectorIndex({ pool, dimensions: DIMS, table: 'vc_owned' });
    try {
      await index.upsert({ partition: 'p', key: 'k', tenantTag: 't', vector: at(0.95), expiresAt: Date.now() + 60_000 });
      expect(await index.search({ partition: 'p', vector: BASE, k: 1, minSimilarity: 0.9, now: Date.now() })).toEqual([{ key: 'k', similarity: expect.closeTo(0.95, 3) }]);
      await index.shutdown();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('rejects, within its bound, when nothing listens', async () => {
    const index = new PgVectorIndex({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', dimensions: DIMS, initTimeoutMs: 500 });
    const started = Date.now();
    await expect(index.init()).rejects.toMatchObject({ code: expect.stringMatching(/index_unavailable|index_timeout/) });
    expect(Date.now() - started).toBeLessThan(1500);
    await index.shutdown();
  });
});

describe('PgVectorIndex options', () => {
  it('names the option and the fix', () => {
    expect(() => new PgVectorIndex({ dimensions: 8 } as never)).toThrow(/`pool` or `connectionString` is required/);
    expect(() => new PgVectorIndex({ connectionString: 'mysql://x', dimensions: 8 })).toThrow(/postgres:\/\//);
    expect(() => new PgVectorIndex({ connectionString: 'postgres://x', dimensions: 8, table: 'Robert"; DROP' })).toThrow(/`table`/);
    expect(() => new PgVectorIndex({ connectionString: 'postgres://x', dimensions: 0 })).toThrow(VectorcacheOptionError);
    expect(() => new PgVectorIndex({ connectionString: 'postgres://x', dimensions: 8, timeout: 5 } as never)).toThrow(/timeout` is not an option/);
  });
});
