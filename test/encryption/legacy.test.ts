// A legacy plaintext entry (written before encryption was on) is served, then re-encrypted in place, in memory and in Redis.
import { describe, expect, it } from 'vitest';
import { canonicalJson, createEntryCipher, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, Fernet, MemoryCacheStore, type CacheStore, type StoredEntry } from '@vectorcache/core';
import { RedisCacheStore } from '@vectorcache/redis';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, uniquePrefix, useRedisAdmin } from '../stores/redis-helpers.js';
import { ITERATIONS, SECRET_A, TENANT, answerFor, ask, chatBody, eventually, keyFor, makeGuard } from './helpers.js';

const PROMPT = 'LEGACY-MARKER-p9: plaintext from before encryption';

async function legacyScenario(store: CacheStore, rawDump: () => Promise<string>): Promise<void> {
  const { indexKey } = await createEntryCipher({ secret: SECRET_A, iterations: ITERATIONS });
  const key = keyFor(indexKey, PROMPT);
  const now = Date.now();
  const legacy: StoredEntry = {
    v: 1, tenant: TENANT, model: 'gpt-test', createdAt: now - 1_000, expiresAt: now + 60_000, enc: [],
    request: canonicalJson(chatBody(PROMPT)), response: answerFor(PROMPT), status: 200, headers: { 'content-type': 'application/json' }, size: answerFor(PROMPT).length,
  };
  await store.set(key, legacy, 60_000);
  expect(await rawDump()).toContain('LEGACY-MARKER');

  const t = await makeGuard(store, { secret: SECRET_A });
  expect(await ask(t, PROMPT)).toEqual({ status: 'hit', body: answerFor(PROMPT) });
  await eventually(async () => ((await store.get(key))?.enc.length ?? 0) > 0);

  const sealed = (await store.get(key))!;
  expect(sealed.enc).toEqual(['request', 'response']);
  expect(sealed.createdAt).toBe(legacy.createdAt);
  expect(sealed.expiresAt).toBe(legacy.expiresAt);
  expect(await rawDump()).not.toContain('LEGACY-MARKER');
  const fernet = new Fernet(await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT, { iterations: ITERATIONS }));
  expect(fernet.decryptText(sealed.response)).toBe(answerFor(PROMPT));
  expect(fernet.decryptText(sealed.request)).toBe(canonicalJson(chatBody(PROMPT)));
  // Still a hit, now from the encrypted entry, and nothing was reported as tampering.
  expect(await ask(t, PROMPT)).toEqual({ status: 'hit', body: answerFor(PROMPT) });
  expect(t.events.filter((e) => e.type === 'cache.integrity_failure')).toEqual([]);
}

describe('legacy plaintext entries', () => {
  it('MemoryCacheStore: served, then re-encrypted on read', async () => {
    const store = new MemoryCacheStore();
    await legacyScenario(store, async () => {
      const all: unknown[] = [];
      for await (const item of store.entries()) all.push(item);
      return JSON.stringify(all);
    });
  });
});

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('legacy plaintext entries in Redis', () => {
  const redis = useRedisAdmin();

  it('RedisCacheStore: served, then re-encrypted on read (checked in the raw keys)', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    try {
      await legacyScenario(store, () => dumpPrefix(redis.admin, prefix));
    } finally {
      await store.shutdown();
      await deletePrefix(redis.admin, prefix);
    }
  });
});
