// Runs the store conformance suites against the Redis stores on 127.0.0.1:6379, each test under its own key prefix.
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCacheStore, RedisCounterStore, RedisKeyStore } from '../../packages/redis/src/index.js';
import { cacheStoreSuite, counterStoreSuite, keyStoreSuite } from './suite.js';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, scanKeys, uniquePrefix, useRedisAdmin } from './redis-helpers.js';

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('Redis stores', () => {
  const redis = useRedisAdmin();

  cacheStoreSuite('RedisCacheStore', async () => {
    const prefix = uniquePrefix();
    // A generous timeout: the suite checks behaviour, the fault test checks the bound.
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    return {
      store,
      rawKeys: () => scanKeys(redis.admin, prefix),
      rawDump: () => dumpPrefix(redis.admin, prefix),
      cleanup: async () => {
        await store.shutdown();
        await deletePrefix(redis.admin, prefix);
      },
    };
  });

  /** A store under its own prefix, removed with everything it wrote when the test ends. */
  async function prefixed<S extends { init(): Promise<void>; shutdown(): Promise<void> }>(make: (prefix: string) => S) {
    const prefix = uniquePrefix();
    const store = make(prefix);
    await store.init();
    return { store, cleanup: async () => { await store.shutdown(); await deletePrefix(redis.admin, prefix); } };
  }

  counterStoreSuite('RedisCounterStore', () => prefixed((prefix) => new RedisCounterStore({ url: REDIS_URL, prefix })));
  keyStoreSuite('RedisKeyStore', () => prefixed((prefix) => new RedisKeyStore({ url: REDIS_URL, prefix })));

  it('lays keys out with one hash tag per tenant and a bring-your-own client', async () => {
    const prefix = uniquePrefix();
    const client = new Redis(REDIS_URL);
    const store = new RedisCacheStore({ client, prefix });
    const key = 'team:a}b:' + 'a'.repeat(64);
    await store.set(key, { v: 1, tenant: 'team:a}b', model: 'm', subject: 'subj', createdAt: 1, expiresAt: 2, enc: [], request: 'q', response: 'r', status: 200, headers: {}, size: 1 }, 60_000);
    const raw = (await scanKeys(redis.admin, prefix)).sort();
    const tag = `${prefix}{t:team%3Aa%7Db}:`;
    expect(raw).toEqual([`${tag}bytes`, `${tag}e:${key}`, `${tag}idx`, `${tag}s:subj`].sort());
    // Every key of the tenant hashes to one Cluster slot.
    const slots = new Set(raw.map((k) => k.slice(k.indexOf('{') + 1, k.indexOf('}'))));
    expect(slots.size).toBe(1);
    // Index keys carry a TTL, so an abandoned tenant leaves nothing forever.
    for (const k of raw) expect(await redis.admin.pttl(k)).toBeGreaterThan(0);
    await store.shutdown(); // does not close a client it was given
    expect(await client.ping()).toBe('PONG');
    await client.quit();
    await deletePrefix(redis.admin, prefix);
  });

  it('rejects a key whose tenant part does not match the entry', async () => {
    const store = new RedisCacheStore({ url: REDIS_URL, prefix: uniquePrefix() });
    await store.init();
    const entry = { v: 1 as const, tenant: 'acme', model: 'm', createdAt: 1, expiresAt: 2, enc: [], request: 'q', response: 'r', status: 200, headers: {}, size: 1 };
    await expect(store.set('globex:' + 'a'.repeat(64), entry, 1_000)).rejects.toThrow(TypeError);
    await expect(store.set('no-colon', entry, 1_000)).rejects.toThrow(TypeError);
    await store.shutdown();
  });

  it('caps a windowed set and extends neither window on later writes', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCounterStore({ url: REDIS_URL, prefix, maxSetSize: 3 });
    await store.init();
    for (const ip of ['a', 'b', 'c', 'd', 'e']) await store.addToSet('ips', ip, 60_000);
    expect(await store.addToSet('ips', 'f', 60_000)).toBe(3);
    const first = await store.increment('c', 1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await store.increment('c', 1_000);
    expect(Math.abs(second.resetAt - first.resetAt)).toBeLessThan(50);
    await store.shutdown();
    await deletePrefix(redis.admin, prefix);
  });
});
