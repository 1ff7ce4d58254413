// Two guard instances sharing Redis (entries, erase fences) and pgvector (vectors): semantic hits and erase cross instances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createKey, offlineEmbedder, type GuardOptions } from '@vectorcache/core';
import { PgVectorIndex } from '@vectorcache/pgvector';
import { RedisCacheStore, RedisCounterStore, RedisKeyStore } from '@vectorcache/redis';
import { REDIS_URL, RUN_ID, deletePrefix, probeRedis, requireOrNotice, uniquePrefix } from '../stores/redis-helpers.js';
import { baseOptions, chat, makeKeys, startApp, type App, type Keys } from '../conformance/harness.js';
import { startPglite, type PgliteServer } from '../semantic/pglite-server.js';
import { call, chat as offlineChat, startExample, stopAll, until, type ExampleProcess } from './processes.js';

const available = await probeRedis();
requireOrNotice(available, `Redis on ${REDIS_URL}`);

const quiet = { info() {}, warn() {}, error() {} };
const embedder = offlineEmbedder();

describe.skipIf(!available)('two instances sharing Redis and pgvector', () => {
  const prefix = `${uniquePrefix()}sem:`;
  let pglite: PgliteServer;
  let keys: Keys;
  let a: App;
  let b: App;
  let redis: Redis;

  /** One instance: its own guard, pools and clients; only Redis and PostgreSQL are shared. */
  const instance = (adapter: 'express' | 'fastify'): Promise<App> => {
    const index = new PgVectorIndex({ connectionString: pglite.url, dimensions: embedder.dimensions, table: 'vc_two', poolSize: 2, timeoutMs: 2_000 });
    const options: Partial<GuardOptions> = {
      cache: new RedisCacheStore({ url: REDIS_URL, prefix, logger: quiet }),
      counters: new RedisCounterStore({ url: REDIS_URL, prefix, logger: quiet }),
      semantic: { embedder, index, timeoutMs: 2_000 },
    };
    return startApp(adapter, baseOptions(keys, options));
  };

  beforeAll(async () => {
    [pglite, keys] = await Promise.all([startPglite(), makeKeys()]);
    redis = new Redis(REDIS_URL);
    a = await instance('express');
    b = await instance('fastify');
    await Promise.all([a.guard.ready(), b.guard.ready()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await pglite?.stop();
  });

  const post = (app: App, content: string, subject: string) =>
    request(app.url).post('/v1/chat/completions')
      .set({ 'content-type': 'application/json', authorization: `Bearer ${keys.full}`, 'x-vectorcache-subject': subject })
      .send(JSON.stringify(chat(content)));

  /** Rows of the shared vector table, read straight from PostgreSQL. */
  const rows = async (): Promise<number> => {
    const pool = new pg.Pool({ connectionString: pglite.url, max: 1 });
    try {
      return Number((await pool.query('SELECT count(*) AS n FROM vc_two')).rows[0].n);
    } finally {
      await pool.end();
    }
  };

  /** Posts through A, then waits for A's background indexing to land in the shared table. */
  const storedThroughA = async (content: string, subject: string): Promise<request.Response> => {
    const before = await rows();
    const first = await post(a, content, subject);
    expect(first.headers['x-vectorcache-status']).toBe('miss');
    await until('A\'s vector in PostgreSQL', 5_000, async () => (await rows()) > before, 50);
    return first;
  };

  it('an answer stored through A answers a rephrased question through B', async () => {
    const t = `quorvane${Date.now().toString(36)}`;
    const first = await storedThroughA(`How do I reset my ${t} in the settings page?`, 'dana');
    const reply = await post(b, `How can I reset my ${t} in settings page?`, 'dana');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-vectorcache-match']).toBe('semantic');
    expect(JSON.parse(reply.text)).toEqual(JSON.parse(first.text));
    expect(b.backend.calls).toBe(0);
    expect(b.guard.stats('acme').semanticHits).toBe(1);
  });

  it('an erase through A leaves no semantic answer through B, and its vectors are gone from PostgreSQL', async () => {
    const t = `plinthor${Date.now().toString(36)}`;
    await storedThroughA(`How do I export my ${t} from the settings page?`, 'erin');
    expect((await post(b, `How can I export my ${t} from settings page?`, 'erin')).headers['x-vectorcache-match']).toBe('semantic');
    const before = await rows();
    await a.guard.privacy.erase({ tenant: 'acme', subject: 'erin' });
    expect(await rows()).toBe(before - 1);
    const after = await post(b, `How could I export my ${t} from the settings page?`, 'erin');
    expect(after.headers['x-vectorcache-status']).toBe('miss');
  });
});

describe.skipIf(!available)('two example servers with VECTORCACHE_SEMANTIC=on, one Redis and one pgvector', () => {
  const prefix = `${uniquePrefix()}semx:`;
  const tenant = `semx-${RUN_ID}`;
  let pglite: PgliteServer;
  let a: ExampleProcess;
  let b: ExampleProcess;
  let keys: RedisKeyStore;
  let redis: Redis;
  let key: string;
  let analytics: string;

  beforeAll(async () => {
    // Two servers with a pool of 4 each.
    pglite = await startPglite(8);
    redis = new Redis(REDIS_URL);
    keys = new RedisKeyStore({ url: REDIS_URL, prefix, logger: quiet });
    const env = {
      VECTORCACHE_KEY_STORE: `${REDIS_URL}/0`,
      VECTORCACHE_CACHE: `${REDIS_URL}/0`,
      VECTORCACHE_REDIS_PREFIX: prefix,
      VECTORCACHE_ENCRYPTION_SECRET: 'semantic-example-test-secret-0123456789abcdef',
      VECTORCACHE_SEMANTIC: 'on',
      VECTORCACHE_SEMANTIC_THRESHOLD: '0.9',
      VECTORCACHE_VECTOR_STORE: pglite.url,
    };
    [a, b] = await Promise.all([startExample('express-chat', env), startExample('koa-chat', env), keys.init()]);
    key = (await createKey(keys, { environment: 'dev', name: 'semantic', tenant, scopes: ['cache:read', 'cache:write'] })).key;
    analytics = (await createKey(keys, { environment: 'dev', name: 'semantic-stats', tenant, scopes: ['analytics:read'] })).key;
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await keys?.shutdown();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await pglite?.stop();
  });

  it('a question answered through A answers its rephrasing through B', async () => {
    const t = `velmorith${Date.now().toString(36)}`;
    const first = await call(a.url, '/v1/chat/completions', { key, body: offlineChat(`How do I reset my ${t} in the settings page?`), subject: 'sam' });
    expect(first.status).toBe(200);
    expect(first.cache).toBe('miss');
    // A indexes its answer just after replying: wait for the row, then ask B once.
    const pool = new pg.Pool({ connectionString: pglite.url, max: 1 });
    try {
      await until('A\'s vector in PostgreSQL', 5_000, async () => {
        const { rows } = await pool.query('SELECT count(*) AS n FROM vectorcache_vectors').catch(() => ({ rows: [{ n: 0 }] }));
        return Number(rows[0].n) >= 1;
      }, 100);
    } finally {
      await pool.end();
    }
    const reply = await call(b.url, '/v1/chat/completions', { key, body: offlineChat(`How can I reset my ${t} in settings page?`), subject: 'sam' });
    expect(reply.cache).toBe('hit');
    expect(reply.body).toEqual(first.body);
    // Stats are per instance: B answered semantically, A only missed.
    const stats = async (url: string) => (await call(url, '/v1/vectorcache/stats', { key: analytics })).body as { semanticHits?: number; hits?: number };
    expect(await stats(b.url)).toMatchObject({ hits: 1, semanticHits: 1 });
    expect(await stats(a.url)).toMatchObject({ hits: 0, semanticHits: 0 });
    // The tenant's own /metrics: one semantic hit, its similarity above the configured threshold.
    const metrics = String((await call(b.url, '/metrics', { key: analytics })).body);
    expect(metrics).toMatch(/^vectorcache_semantic_hits_total 1$/m);
    expect(metrics).toMatch(/^vectorcache_semantic_similarity_count 1$/m);
    expect(metrics).toMatch(/^vectorcache_semantic_similarity_bucket\{le="0\.88"\} 0$/m);
  });
});
