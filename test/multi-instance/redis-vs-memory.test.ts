// Keeps the Redis-vs-memory hit benchmark runnable: a short run must serve hits from both stores and leave no keys.
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { REDIS_URL, probeRedis, requireOrNotice, scanKeys, uniquePrefix } from '../stores/redis-helpers.js';
import { benchRedisVsMemory, formatHitBench } from './redis-vs-memory.bench.js';

const available = await probeRedis();
requireOrNotice(available, `Redis on ${REDIS_URL}`);

describe.skipIf(!available)('redis-vs-memory hit benchmark (short run)', () => {
  it('measures both stores side by side and removes its keys', async () => {
    const prefix = uniquePrefix();
    const result = await benchRedisVsMemory({ hits: 200, concurrency: 4, redisUrl: REDIS_URL, redisPrefix: prefix });
    expect(result.skipped).toBeUndefined();
    expect(result.rows.map((r) => r.store)).toEqual(['memory', 'redis']);
    for (const row of result.rows) {
      expect(row.hits).toBe(200);
      expect(row.p50Us).toBeGreaterThan(0);
      expect(row.p99Us).toBeGreaterThanOrEqual(row.p50Us);
      expect(row.opsPerSec).toBeGreaterThan(0);
      // Only deadline misses may stand in for hits (an overloaded host); anything else throws.
      expect(row.timedOut).toBeLessThan(row.hits);
    }
    expect(formatHitBench(result).split('\n')).toHaveLength(3);
    const redis = new Redis(REDIS_URL);
    try {
      expect(await scanKeys(redis, prefix)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
