// Two RedisKeyStore instances on one Redis: a change made through one reaches the other's local cache within 1 s.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisKeyStore } from '../../packages/redis/src/index.js';
import { makeKeyRecord } from './suite.js';
import { REDIS_URL, deletePrefix, probeRedis, requireOrNotice, uniquePrefix } from './redis-helpers.js';

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

async function within<T>(ms: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<number> {
  const started = performance.now();
  while (!done(await read())) {
    if (performance.now() - started > ms) throw new Error(`not visible within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

describe.skipIf(!redisAvailable)('RedisKeyStore across instances', () => {
  const prefix = uniquePrefix();
  // A local cache far longer than 1 s: only the pub/sub invalidation can explain a fast update.
  const a = new RedisKeyStore({ url: REDIS_URL, prefix, localCacheMs: 60_000 });
  const b = new RedisKeyStore({ url: REDIS_URL, prefix, localCacheMs: 60_000 });
  afterAll(async () => {
    await Promise.all([a.shutdown(), b.shutdown()]);
    const admin = new Redis(REDIS_URL);
    await deletePrefix(admin, prefix);
    await admin.quit();
  });

  it('a revocation through A is seen by B within 1 s though B had the key cached', async () => {
    await Promise.all([a.init(), b.init()]);
    let notified = 0;
    const stop = b.onChange(() => notified++);
    const record = makeKeyRecord();
    await a.insert(record);
    expect(await within(1_000, () => b.findByHash(record.hash), (r) => r !== undefined)).toBeLessThan(1_000);
    expect((await b.findByHash(record.hash))?.revokedAt).toBeNull(); // cached in B now

    const revokedAt = new Date().toISOString();
    await a.update(record.id, (r) => ({ ...r, revokedAt }));
    const elapsed = await within(1_000, () => b.findByHash(record.hash), (r) => r?.revokedAt === revokedAt);
    expect(elapsed).toBeLessThan(1_000);
    expect((await b.findById(record.id))?.revokedAt).toBe(revokedAt);
    expect(notified).toBeGreaterThanOrEqual(2);
    stop();
  });

  it('a key created through A replaces a cached "not found" in B', async () => {
    const record = makeKeyRecord();
    expect(await b.findByHash(record.hash)).toBeUndefined(); // negative answer cached in B
    await a.insert(record);
    await within(1_000, () => b.findByHash(record.hash), (r) => r?.id === record.id);
  });
});
