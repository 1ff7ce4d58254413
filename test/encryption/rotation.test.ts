// Key rotation through real guards: written under A, read (and re-encrypted) under B with A as previous, read after A is gone.
import { describe, expect, it } from 'vitest';
import { createEntryCipher, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, Fernet, MemoryCacheStore, type CacheStore, type StoredEntry } from '@vectorcache/core';
import { RedisCacheStore } from '@vectorcache/redis';
import { EntryCodec, rotateStore } from '../../packages/core/src/entries.js';
import { run } from '../../packages/cli/src/main.js';
import { REDIS_URL, deletePrefix, probeRedis, requireOrNotice, scanKeys, uniquePrefix, useRedisAdmin } from '../stores/redis-helpers.js';
import { ITERATIONS, SECRET_A, SECRET_B, TENANT, answerFor, ask, eventually, makeGuard } from './helpers.js';

const PROMPTS = ['first question', 'second question', 'third question', 'fourth question'];
const A_TO_B = { secret: SECRET_B, previousSecrets: [SECRET_A], indexSecret: SECRET_A };
const B_ONLY = { secret: SECRET_B, indexSecret: SECRET_A };

const fernetA = new Fernet(await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT, { iterations: ITERATIONS }));
const fernetB = new Fernet(await deriveFernetKey(SECRET_B, DEFAULT_ENCRYPTION_SALT, { iterations: ITERATIONS }));

function opens(fernet: Fernet, token: string): boolean {
  try {
    fernet.decrypt(token);
    return true;
  } catch {
    return false;
  }
}

/** Which key opens every sealed field of every entry: 'A', 'B', or 'mixed'. */
async function keyOf(store: CacheStore): Promise<Map<string, 'A' | 'B' | 'mixed'>> {
  const out = new Map<string, 'A' | 'B' | 'mixed'>();
  for await (const [key, entry] of store.entries()) {
    const tokens = entry.enc.map((f) => entry[f]!);
    const a = tokens.every((t) => opens(fernetA, t) && !opens(fernetB, t));
    const b = tokens.every((t) => opens(fernetB, t) && !opens(fernetA, t));
    out.set(key, a ? 'A' : b ? 'B' : 'mixed');
  }
  return out;
}

// Guards are not closed here: close() shuts down the cache store they share.
async function writeUnderA(store: CacheStore): Promise<void> {
  const a = await makeGuard(store, { secret: SECRET_A });
  for (const prompt of PROMPTS) expect((await ask(a, prompt)).status).toBe('miss');
  expect([...(await keyOf(store)).values()]).toEqual(PROMPTS.map(() => 'A'));
}

describe('rotation through guards (MemoryCacheStore)', () => {
  it('A entries are hits under B+A, re-encrypted to B on read or by rotateStore, and hits once A is removed', async () => {
    const store = new MemoryCacheStore();
    await writeUnderA(store);

    const ab = await makeGuard(store, A_TO_B);
    // Two entries are re-encrypted by being read …
    for (const prompt of PROMPTS.slice(0, 2)) expect(await ask(ab, prompt)).toEqual({ status: 'hit', body: answerFor(prompt) });
    await eventually(async () => [...(await keyOf(store)).values()].filter((k) => k === 'B').length === 2);
    expect([...(await keyOf(store)).values()].sort()).toEqual(['A', 'A', 'B', 'B']);

    // … the other two by the rotation job (same code path as `vectorcache crypto rotate`).
    const codec = new EntryCodec(await createEntryCipher({ ...A_TO_B, iterations: ITERATIONS }));
    expect(await rotateStore(store, codec)).toEqual({ scanned: 4, rewritten: 2, skipped: 2, failed: 0 });
    expect([...(await keyOf(store)).values()]).toEqual(PROMPTS.map(() => 'B'));

    const b = await makeGuard(store, B_ONLY);
    for (const prompt of PROMPTS) expect(await ask(b, prompt)).toEqual({ status: 'hit', body: answerFor(prompt) });
    expect(b.events.filter((e) => e.type === 'cache.integrity_failure')).toEqual([]);
  });

  it('without rotation, an A entry is a miss once A is removed (which is why rotate exists), and never served wrongly', async () => {
    const store = new MemoryCacheStore();
    await writeUnderA(store);
    const b = await makeGuard(store, B_ONLY);
    expect((await ask(b, PROMPTS[0]!)).status).toBe('miss');
    expect(b.events.some((e) => e.type === 'cache.integrity_failure')).toBe(true);
  });
});

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('rotation against Redis (guards and `vectorcache crypto rotate`)', () => {
  const redis = useRedisAdmin();

  it('the CLI re-encrypts every stale entry in batches, reports progress, and guards under B alone still hit', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    try {
      await writeUnderA(store);
      // One entry no configured key opens: counted as failed, left for the gate to delete.
      const now = Date.now();
      const garbage: StoredEntry = {
        v: 1, tenant: TENANT, model: 'gpt-test', createdAt: now, expiresAt: now + 60_000, status: 200, headers: {}, size: 1,
        enc: ['request', 'response'], request: fernetA.encrypt('x').slice(0, -8), response: 'not-a-token',
      };
      await store.set(`${TENANT}:garbage`, garbage, 60_000);
      // One entry already read under B+A, so the job skips it.
      const ab = await makeGuard(store, A_TO_B);
      expect((await ask(ab, PROMPTS[0]!)).status).toBe('hit');
      await eventually(async () => [...(await keyOf(store)).values()].includes('B'));

      const out: string[] = [];
      const err: string[] = [];
      const env = { VECTORCACHE_ENCRYPTION_SECRET: SECRET_B, VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS: SECRET_A };
      const code = await run(['crypto', 'rotate', '--store', REDIS_URL, '--prefix', prefix, '--batch', '2', '--iterations', String(ITERATIONS), '--json'], {
        stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env,
      });
      expect(JSON.parse(out.join(''))).toEqual({ scanned: 5, rewritten: 3, skipped: 1, failed: 1 });
      // Exit code 1: an undecryptable entry may mean a missing previous secret, which the operator must see.
      expect(code).toBe(1);
      const progress = err.join('').split('\n').filter((l) => l.startsWith('rotate: scanned'));
      expect(progress).toHaveLength(3);
      expect(progress.at(-1)).toBe('rotate: scanned 5, rewritten 3, skipped 1, failed 1');
      expect(err.join('')).toMatch(/1 entries could not be decrypted/);
      for (const secret of [SECRET_A, SECRET_B]) expect(out.join('') + err.join('')).not.toContain(secret);

      // The garbage entry was left in place; every real entry is now under B.
      expect(await store.get(`${TENANT}:garbage`)).toBeDefined();
      const owners = await keyOf(store);
      owners.delete(`${TENANT}:garbage`);
      expect([...owners.values()]).toEqual(PROMPTS.map(() => 'B'));

      const b = await makeGuard(store, B_ONLY);
      for (const prompt of PROMPTS) expect(await ask(b, prompt)).toEqual({ status: 'hit', body: answerFor(prompt) });

      // A second run has nothing left to do but the garbage entry.
      const again: string[] = [];
      await run(['crypto', 'rotate', '--store', REDIS_URL, '--prefix', prefix, '--iterations', String(ITERATIONS), '--json'], {
        stdout: { write: (t: string) => again.push(t) }, stderr: { write: () => undefined }, env,
      });
      expect(JSON.parse(again.join(''))).toEqual({ scanned: 5, rewritten: 0, skipped: 4, failed: 1 });
    } finally {
      await store.shutdown();
      await deletePrefix(redis.admin, prefix);
    }
  });

  it('rotateStore() keeps each entry\'s remaining TTL in Redis', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    try {
      const a = await makeGuard(store, { secret: SECRET_A }, { ttl: '1h' });
      expect((await ask(a, PROMPTS[0]!)).status).toBe('miss');
      const rawKey = (await scanKeys(redis.admin, prefix)).find((k) => k.includes(':e:'))!;
      const before = await redis.admin.pttl(rawKey);
      const codec = new EntryCodec(await createEntryCipher({ ...A_TO_B, iterations: ITERATIONS }));
      expect(await rotateStore(store, codec)).toEqual({ scanned: 1, rewritten: 1, skipped: 0, failed: 0 });
      const after = await redis.admin.pttl(rawKey);
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(before);
      expect(before - after).toBeLessThan(60_000);
      expect([...(await keyOf(store)).values()]).toEqual(['B']);
    } finally {
      await store.shutdown();
      await deletePrefix(redis.admin, prefix);
    }
  });
});
