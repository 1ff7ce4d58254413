// RedisSecretBackend against real Redis: tenants' upstream keys stored as Fernet tokens only, bounded when Redis is gone.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEntryCipher, StoreUnavailableError } from '@vectorcache/core';
import { RedisSecretBackend } from '@vectorcache/redis';
import { EntryCodec } from '../../packages/core/src/entries.js';
import { TenantSecrets } from '../../packages/core/src/secrets/index.js';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, sparePort, uniquePrefix, useRedisAdmin } from '../stores/redis-helpers.js';
import { ITERATIONS, SECRET_A } from './helpers.js';

const UPSTREAM = 'sk-ant-UPSTREAM-REDIS-4d3c2b1a09f8e7d6';

describe('RedisSecretBackend without Redis', () => {
  it('fails within its bound with StoreUnavailableError, and its options and errors show no URL password', async () => {
    const port = await sparePort();
    const backend = new RedisSecretBackend({ url: `redis://user:hunter2-password@127.0.0.1:${port}`, commandTimeoutMs: 200, logger: { info: () => {}, warn: () => {}, error: () => {} } });
    const started = Date.now();
    const error = await backend.get('acme/openai').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(String(error) + inspect(backend)).not.toContain('hunter2');
    await backend.shutdown();
  });

  it('rejects unknown options', () => {
    expect(() => new RedisSecretBackend({ urll: REDIS_URL } as never)).toThrow(/RedisSecretBackend\.urll/);
  });
});

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('RedisSecretBackend with TenantSecrets', () => {
  const redis = useRedisAdmin();

  it('shares values between instances; Redis holds only tokens', async () => {
    const prefix = uniquePrefix();
    const one = new RedisSecretBackend({ url: REDIS_URL, prefix });
    const two = new RedisSecretBackend({ url: REDIS_URL, prefix });
    await Promise.all([one.init(), two.init()]);
    try {
      const codec = new EntryCodec(await createEntryCipher({ secret: SECRET_A, iterations: ITERATIONS }));
      await new TenantSecrets({ codec, backend: one }).set('acme', 'anthropic', UPSTREAM);
      const dump = await dumpPrefix(redis.admin, prefix);
      expect(dump).toContain(`${prefix}secret:acme/anthropic = gAAAAA`);
      expect(dump).not.toContain('UPSTREAM');
      expect(await new TenantSecrets({ codec, backend: two }).get('acme', 'anthropic')).toBe(UPSTREAM);
      expect(await two.delete('acme/anthropic')).toBe(true);
      expect(await one.get('acme/anthropic')).toBeUndefined();
      expect(await one.delete('acme/anthropic')).toBe(false);
    } finally {
      await Promise.all([one.shutdown(), two.shutdown()]);
      await deletePrefix(redis.admin, prefix);
    }
  });
});
