// Two example-server processes on one Redis: shared cache, revocation within 1 s, shared lockout, erase seen by both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKey, generateApiKey } from '@vectorcache/core';
import { run } from '@vectorcache/cli';
import { RedisKeyStore } from '@vectorcache/redis';
import { REDIS_URL, RUN_ID, deletePrefix, probeRedis, requireOrNotice, scanKeys, uniquePrefix } from '../stores/redis-helpers.js';
import { call, chat, startExample, stopAll, until, type ExampleProcess } from './processes.js';

const available = await probeRedis();
requireOrNotice(available, `Redis on ${REDIS_URL}`);

const quiet = { info() {}, warn() {}, error() {} };
// VECTORCACHE_REDIS_PREFIX for the servers and the CLI alike.
const PREFIX = `${uniquePrefix()}multi:`;
const TENANT = `multi-${RUN_ID}`;
/** Each test reports its own client address (through the trusted loopback hop), so lockout counts never mix. */
let nextClient = 10;
const client = (): string => `198.51.100.${nextClient++}`;

describe.skipIf(!available)('two example servers sharing one Redis', () => {
  let a: ExampleProcess;
  let b: ExampleProcess;
  let keys: RedisKeyStore;
  let redis: Redis;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true });
    keys = new RedisKeyStore({ url: REDIS_URL, prefix: PREFIX, logger: quiet });
    const env = {
      VECTORCACHE_KEY_STORE: `${REDIS_URL}/0`,
      VECTORCACHE_CACHE: `${REDIS_URL}/0`,
      VECTORCACHE_REDIS_PREFIX: PREFIX,
      VECTORCACHE_ENCRYPTION_SECRET: 'multi-instance-test-secret-0123456789abcdef',
      VECTORCACHE_LOCKOUT_MAX_FAILURES: '4',
      VECTORCACHE_TRUST_PROXY: 'loopback',
    };
    // Processes start in parallel: each one spends a few seconds in tsx before it listens.
    [a, b] = await Promise.all([startExample('express-chat', env), startExample('fastify-chat', env), redis.connect(), keys.init()]);
    user = (await createKey(keys, { environment: 'dev', name: 'multi user', tenant: TENANT, scopes: ['cache:read', 'cache:write'] })).key;
    admin = (await createKey(keys, { environment: 'dev', name: 'multi admin', tenant: TENANT, scopes: ['cache:read', 'cache:write', 'privacy:admin'] })).key;
  }, 60_000);

  /** Entry keys of the test tenant (layout in packages/redis/README.md). */
  const entryPrefix = () => `${PREFIX}{t:${TENANT}}:e:`;
  const entriesWritten = (count: number) =>
    until(`${count} entries in Redis`, 2_000, async () => (await scanKeys(redis, entryPrefix())).length >= count);

  afterAll(async () => {
    try {
      await stopAll();
      await keys?.shutdown();
    } finally {
      if (redis?.status === 'ready') {
        await deletePrefix(redis, PREFIX);
        redis.disconnect();
      }
    }
  });

  it('an entry written through A is a hit through B', async () => {
    const body = chat(`shared cache ${PREFIX}`);
    const first = await call(a.url, '/v1/chat/completions', { key: user, body, client: client() });
    expect(first.status).toBe(200);
    expect(first.cache).toBe('miss');
    // A's write completes after its answer is sent; B must find A's entry, not one B wrote itself.
    await entriesWritten(1);
    const second = await call(b.url, '/v1/chat/completions', { key: user, body, client: client() });
    expect(second.status).toBe(200);
    expect(second.cache).toBe('hit');
    expect(second.body).toEqual(first.body);
  });

  it('a revoked key is refused by both instances within 1 s', async () => {
    const doomed = await createKey(keys, { environment: 'dev', name: 'to revoke', tenant: TENANT, scopes: ['cache:read', 'cache:write'] });
    const body = chat(`revocation ${PREFIX}`);
    const address = client();
    // Both instances have now looked the key up and hold it in their local caches.
    expect((await call(a.url, '/v1/chat/completions', { key: doomed.key, body, client: address })).status).toBe(200);
    expect((await call(b.url, '/v1/chat/completions', { key: doomed.key, body, client: address })).status).toBe(200);
    expect((await call(a.url, '/v1/chat/completions', { key: doomed.key, body, client: address })).status).toBe(200);

    // Revoked through the CLI, as an operator would, against the same Redis and prefix.
    const silent = { write: () => true };
    const code = await run(['keys', 'revoke', doomed.record.id, '--store', REDIS_URL, '--json'], { stdout: silent, stderr: silent, env: { VECTORCACHE_REDIS_PREFIX: PREFIX } });
    expect(code).toBe(0);
    const refused = (server: ExampleProcess) => until('revocation seen', 3_000, async () => {
      const reply = await call(server.url, '/v1/chat/completions', { key: doomed.key, body, client: address });
      if (reply.status === 200) return false;
      expect(reply.status).toBe(401);
      expect(reply.code).toBe('key_revoked');
      return true;
    }, 10);
    const [msA, msB] = await Promise.all([refused(a), refused(b)]);
    console.info(`[multi-instance] revocation refused by A after ${msA.toFixed(1)} ms, by B after ${msB.toFixed(1)} ms`);
    expect(Math.max(msA, msB)).toBeLessThan(1_000);
  });

  it('failures spread across A and B lock the address out on both', async () => {
    const address = client();
    const bad = () => generateApiKey('dev').key; // well formed, unknown: invalid_api_key
    for (const server of [a, a, b, b]) {
      const reply = await call(server.url, '/v1/chat/completions', { key: bad(), body: chat('lockout'), client: address });
      expect(reply.status).toBe(401);
      expect(reply.code).toBe('invalid_api_key');
    }
    for (const server of [a, b]) {
      const reply = await call(server.url, '/v1/chat/completions', { key: user, body: chat('lockout'), client: address });
      expect(reply.status).toBe(429);
      expect(reply.code).toBe('too_many_failures');
    }
    // Another address is unaffected: the lockout is per address, not global.
    expect((await call(b.url, '/v1/chat/completions', { key: user, body: chat('lockout'), client: client() })).status).toBe(200);
  });

  it('an erase through A removes the entry for B', async () => {
    const subject = `user-${PREFIX}`;
    const body = chat(`erase me ${PREFIX}`);
    const before = (await scanKeys(redis, entryPrefix())).length;
    expect((await call(a.url, '/v1/chat/completions', { key: user, body, subject, client: client() })).cache).toBe('miss');
    await entriesWritten(before + 1);
    expect((await call(b.url, '/v1/chat/completions', { key: user, body, subject, client: client() })).cache).toBe('hit');

    const erase = await call(a.url, `/v1/vectorcache/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE', key: admin, client: client() });
    expect(erase.status).toBe(200);
    expect(erase.body).toMatchObject({ tenant: TENANT, erased: 1 });

    const repeat = await call(b.url, '/v1/chat/completions', { key: user, body, subject, client: client() });
    expect(repeat.status).toBe(200);
    expect(repeat.cache).toBe('miss');
  });
});
