// A stored entry, read straight from the store (memory and real Redis), holds no plaintext, and Python's Fernet opens it.
import { describe, expect, it } from 'vitest';
import { canonicalJson, createEntryCipher, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, MemoryCacheStore, type CacheStore, type StoredEntry } from '@vectorcache/core';
import { RedisCacheStore } from '@vectorcache/redis';
import { EntryCodec } from '../../packages/core/src/entries.js';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, scanKeys, uniquePrefix, useRedisAdmin } from '../stores/redis-helpers.js';
import { ITERATIONS, SECRET_A, TENANT, answerFor, ask, chatBody, makeGuard, pythonDecrypt } from './helpers.js';

const PROMPT = 'PROMPT-MARKER-q7Zx: what is my account balance?';
const CONTEXT = 'CONTEXT-MARKER-k2Lw: retrieved document text';

async function allEntries(store: CacheStore): Promise<Array<[string, StoredEntry]>> {
  const out: Array<[string, StoredEntry]> = [];
  for await (const item of store.entries()) out.push(item);
  return out;
}

/** Writes one entry through a real guard and one with context through the guard's codec; returns both raw. */
async function populate(store: CacheStore, salt?: string): Promise<{ guarded: StoredEntry; withContext: StoredEntry }> {
  const t = await makeGuard(store, { secret: SECRET_A, ...(salt ? { salt } : {}) });
  expect((await ask(t, PROMPT)).status).toBe('miss');
  expect((await ask(t, PROMPT)).status).toBe('hit');
  const [[, guarded]] = (await allEntries(store)) as [[string, StoredEntry]];
  const codec = new EntryCodec(await createEntryCipher({ secret: SECRET_A, iterations: ITERATIONS, ...(salt ? { salt } : {}) }));
  const now = Date.now();
  const withContext: StoredEntry = {
    v: 1, tenant: TENANT, model: 'gpt-test', createdAt: now, expiresAt: now + 60_000, status: 200, headers: {}, size: 1,
    ...codec.seal({ request: canonicalJson(chatBody(PROMPT)), response: answerFor(PROMPT), context: CONTEXT }),
  };
  await store.set(`${TENANT}:with-context`, withContext, 60_000);
  return { guarded, withContext };
}

function expectNoPlaintext(raw: string): void {
  expect(raw.length).toBeGreaterThan(0);
  for (const marker of ['PROMPT-MARKER', 'q7Zx', 'account balance', 'answer to', 'CONTEXT-MARKER', 'retrieved document', '"messages"', 'chatcmpl']) {
    expect(raw).not.toContain(marker);
  }
}

/** One python3 run for all entries: derives the key from secret and salt, opens every sealed field. */
function expectPythonOpens(secret: string, salt: string, cases: Array<[StoredEntry, string[]]>): string {
  const tokens: string[] = [];
  for (const [entry] of cases) {
    const fields = (['request', 'response', 'context'] as const).filter((f) => entry[f] !== undefined);
    expect(entry.enc).toEqual(fields);
    tokens.push(...fields.map((f) => entry[f]!));
  }
  const python = pythonDecrypt(secret, salt, tokens);
  expect(python.plaintexts).toEqual(cases.flatMap(([, expected]) => expected));
  return python.key;
}

describe('entries at rest in MemoryCacheStore', () => {
  it('hold Fernet tokens only, and Python decrypts them with the derived key', async () => {
    const store = new MemoryCacheStore();
    const { guarded, withContext } = await populate(store);
    const raw = JSON.stringify(await allEntries(store));
    expectNoPlaintext(raw);
    // Model, sizes and timestamps stay readable.
    expect(guarded.model).toBe('gpt-test');
    expect(guarded.size).toBe(Buffer.byteLength(answerFor(PROMPT)));

    const pythonKey = expectPythonOpens(SECRET_A, DEFAULT_ENCRYPTION_SALT, [
      [guarded, [canonicalJson(chatBody(PROMPT)), answerFor(PROMPT)]],
      [withContext, [canonicalJson(chatBody(PROMPT)), answerFor(PROMPT), CONTEXT]],
    ]);
    expect(pythonKey).toBe(await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT, { iterations: ITERATIONS }));
    // A different secret's key opens nothing.
    expect(pythonDecrypt(`${SECRET_A}-other`, DEFAULT_ENCRYPTION_SALT, [guarded.response]).plaintexts).toEqual([null]);
  });
});

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('entries at rest in RedisCacheStore', () => {
  const redis = useRedisAdmin();

  it('every Redis key and value under the prefix is free of plaintext; Python decrypts the raw tokens', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    const salt = 'per-deployment-salt-for-tests';
    try {
      const { guarded } = await populate(store, salt);
      const dump = await dumpPrefix(redis.admin, prefix);
      expectNoPlaintext(dump);
      // Read the entry's JSON straight from Redis, not through the store.
      const rawKey = (await scanKeys(redis.admin, prefix)).find((k) => k.includes(':e:') && !k.endsWith('with-context'))!;
      const raw = JSON.parse((await redis.admin.get(rawKey))!) as StoredEntry;
      expect(raw.response).toBe(guarded.response);
      const rawContext = JSON.parse((await redis.admin.get((await scanKeys(redis.admin, prefix)).find((k) => k.endsWith('with-context'))!))!) as StoredEntry;
      expectPythonOpens(SECRET_A, salt, [
        [raw, [canonicalJson(chatBody(PROMPT)), answerFor(PROMPT)]],
        [rawContext, [canonicalJson(chatBody(PROMPT)), answerFor(PROMPT), CONTEXT]],
      ]);
      // The salt matters: the default salt's key does not open these tokens.
      expect(pythonDecrypt(SECRET_A, DEFAULT_ENCRYPTION_SALT, [raw.response]).plaintexts).toEqual([null]);
    } finally {
      await store.shutdown();
      await deletePrefix(redis.admin, prefix);
    }
  });
});
