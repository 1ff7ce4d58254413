// After an erase, the raw store (memory internals, every Redis key under the prefix) holds nothing of the subject.
import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { createGuard, MemoryCacheStore, type CacheStore, type Guard } from '@vectorcache/core';
import { RedisCacheStore } from '../../packages/redis/src/index.js';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, uniquePrefix, useRedisAdmin } from '../stores/redis-helpers.js';
import { ask, freshKeys, SECRET } from './helpers.js';

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

/**
 * Every string reachable from `root`, private class fields and Map/Set contents included, read
 * through the inspector: the memory store's indexes are private, and this is the only honest way
 * to look inside them without a test-only accessor.
 */
async function reachableStrings(root: object): Promise<string> {
  const session = new Session();
  session.connect();
  const slot = `__vcProbe${Math.random().toString(36).slice(2)}`;
  (globalThis as Record<string, unknown>)[slot] = root;
  const out: string[] = [];
  const seen = new Set<string>();
  type Remote = { type: string; subtype?: string; value?: unknown; objectId?: string };
  type Prop = { name: string; value?: Remote };
  const walk = async (objectId: string, depth: number): Promise<void> => {
    if (depth > 16 || seen.has(objectId)) return;
    seen.add(objectId);
    const r = (await session.post('Runtime.getProperties', { objectId, ownProperties: true })) as { result?: Prop[]; privateProperties?: Prop[]; internalProperties?: Prop[] };
    for (const p of [...(r.result ?? []), ...(r.privateProperties ?? []), ...(r.internalProperties ?? [])]) {
      if (p.name === '[[Prototype]]' || p.name === '__proto__') continue;
      out.push(p.name);
      const v = p.value;
      if (!v) continue;
      if (v.type === 'string') out.push(v.value as string);
      else if (v.type === 'object' && v.objectId && v.subtype !== 'typedarray' && v.subtype !== 'arraybuffer') await walk(v.objectId, depth + 1);
    }
  };
  try {
    const { result } = (await session.post('Runtime.evaluate', { expression: `globalThis.${slot}` })) as { result: Remote };
    await walk(result.objectId!, 0);
  } finally {
    delete (globalThis as Record<string, unknown>)[slot];
    session.disconnect();
  }
  return out.join('\n');
}

interface Backend { store: CacheStore; raw(): Promise<string>; cleanup(): Promise<void> }

function suite(name: string, make: () => Promise<Backend>): void {
  it(`${name}: nothing of A remains after erase; B is untouched; nothing stored in plaintext`, async () => {
    const backend = await make();
    const keys = await freshKeys();
    const guard: Guard = createGuard({
      environment: 'dev', keys: keys.store, cache: backend.store, encryption: { secret: SECRET, iterations: 1000 },
      cacheTimeoutMs: 2_000, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
    });
    try {
      const tag = Math.random().toString(36).slice(2, 8);
      const A = `alice-${tag}`;
      const B = `bob-${tag}`;
      const promptsA = [`alpha secret plan ${tag}`, `shared question ${tag}`];
      const promptsB = [`beta weather ${tag}`, `shared question ${tag}`];
      for (const p of promptsA) expect(await ask(guard, keys.full, A, p)).toBe('miss');
      for (const p of promptsB) expect(await ask(guard, keys.full, B, p)).toBe('miss');
      expect(await ask(guard, keys.full, undefined, `anonymous ${tag}`)).toBe('miss');

      const hashA = (await guard.privacy.export({ tenant: 'acme', subject: A })).subject;
      const hashB = (await guard.privacy.export({ tenant: 'acme', subject: B })).subject;
      // The ciphertexts of each subject, as stored.
      const tokens = { A: [] as string[], B: [] as string[] };
      for await (const [, entry] of backend.store.entries()) {
        expect(entry.enc).toEqual(['request', 'response']);
        for (const field of [entry.request, entry.response]) expect(field).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
        if (entry.subject === hashA) tokens.A.push(entry.request, entry.response);
        if (entry.subject === hashB) tokens.B.push(entry.request, entry.response);
      }
      expect(tokens.A).toHaveLength(4);
      expect(tokens.B).toHaveLength(4);

      const before = await backend.raw();
      for (const t of [...tokens.A, ...tokens.B, hashA, hashB]) expect(before).toContain(t); // the probe sees everything
      // Encryption on: no prompt, no answer and no raw subject id in the clear.
      for (const text of [...promptsA, ...promptsB, 'answer to', A, B, `anonymous ${tag}`]) expect(before).not.toContain(text);

      const receipt = await guard.privacy.erase({ tenant: 'acme', subject: A });
      expect(receipt).toMatchObject({ tenant: 'acme', subject: hashA, erased: 2 });

      const after = await backend.raw();
      expect(after).not.toContain(hashA);
      for (const t of tokens.A) expect(after).not.toContain(t);
      expect(after).toContain(hashB);
      for (const t of tokens.B) expect(after).toContain(t);
      expect(await backend.store.keysForSubject('acme', hashA)).toEqual([]);
      expect((await backend.store.size()).entries).toBe(3);
      for (const p of promptsB) expect(await ask(guard, keys.full, B, p)).toBe('hit');

      // Erasing the tenant leaves nothing of it at all.
      expect((await guard.privacy.eraseTenant('acme')).erased).toBe(3);
      const empty = await backend.raw();
      for (const t of [hashB, ...tokens.B]) expect(empty).not.toContain(t);
      expect((await backend.store.size()).entries).toBe(0);
    } finally {
      await guard.close();
      await backend.cleanup();
    }
  });
}

describe('raw store after erase', () => {
  suite('MemoryCacheStore', async () => {
    const store = new MemoryCacheStore();
    return { store, raw: () => reachableStrings(store), cleanup: async () => undefined };
  });
});

describe.skipIf(!redisAvailable)('raw Redis after erase', () => {
  const redis = useRedisAdmin();

  suite('RedisCacheStore', async () => {
    const prefix = uniquePrefix();
    const store = new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 });
    await store.init();
    return {
      store,
      // Every key under the prefix, by SCAN, with its value, hash fields or set members.
      raw: () => dumpPrefix(redis.admin, prefix),
      cleanup: () => deletePrefix(redis.admin, prefix),
    };
  });
});
