// rotateStore(): counts, batches, abort, an interrupted run that loses nothing, and no resurrection of erased entries.
import { describe, expect, it } from 'vitest';
import { createEntryCipher, MemoryCacheStore, type CacheStore, type StoredEntry } from '@vectorcache/core';
import { EntryCodec, rotateStore, type RotationProgress } from '../../packages/core/src/entries.js';
import { ITERATIONS, SECRET_A, SECRET_B, TENANT } from './helpers.js';

const codecA = new EntryCodec(await createEntryCipher({ secret: SECRET_A, iterations: ITERATIONS }));
const codecB = new EntryCodec(await createEntryCipher({ secret: SECRET_B, iterations: ITERATIONS }));
const codecAB = new EntryCodec(await createEntryCipher({ secret: SECRET_B, previousSecrets: [SECRET_A], iterations: ITERATIONS }));

function entry(codec: EntryCodec, i: number, ttlMs = 60_000): StoredEntry {
  const now = Date.now();
  return {
    v: 1, tenant: TENANT, model: 'm', createdAt: now, expiresAt: now + ttlMs, status: 200, headers: {}, size: 2,
    ...codec.seal({ request: `{"q":${i}}`, response: `{"a":${i}}` }),
  };
}

/** n entries under A, keys acme:a0…; plus extras. */
async function fill(store: CacheStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.set(`${TENANT}:a${i}`, entry(codecA, i), 60_000);
}

/** Every entry opens with the A+B codec and carries its own answer. */
async function allReadable(store: CacheStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const found = await store.get(`${TENANT}:a${i}`);
    expect(found, `entry a${i}`).toBeDefined();
    expect(codecAB.open(found!, 'response').text).toBe(`{"a":${i}}`);
  }
}

describe('rotateStore', () => {
  it('rewrites stale and legacy entries, skips current ones, counts undecryptable ones and leaves them', async () => {
    const store = new MemoryCacheStore();
    await fill(store, 3);
    await store.set(`${TENANT}:current`, entry(codecB, 10), 60_000);
    await store.set(`${TENANT}:legacy`, entry(new EntryCodec(undefined), 11), 60_000);
    const bad = { ...entry(codecA, 12), response: 'gAAAAAB-not-a-token' };
    await store.set(`${TENANT}:bad`, bad, 60_000);
    // Its first field opens (under the old key), its second does not: still a failure, not a crash.
    const half = { ...entry(codecA, 13), response: entry(codecA, 13).response.slice(0, -4) };
    await store.set(`${TENANT}:half`, half, 60_000);
    const progress: RotationProgress[] = [];

    const result = await rotateStore(store, codecAB, { batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ scanned: 7, rewritten: 4, skipped: 1, failed: 2 });
    expect(progress.map((p) => p.scanned)).toEqual([2, 4, 6, 7]);
    expect(progress.at(-1)).toEqual(result);

    for (const key of ['a0', 'a1', 'a2', 'legacy']) {
      const rewritten = (await store.get(`${TENANT}:${key}`))!;
      expect(rewritten.enc).toEqual(['request', 'response']);
      expect(codecB.isStale(rewritten)).toBe(false); // B alone opens it now
      expect(() => codecA.open(rewritten, 'response')).toThrow();
    }
    expect((await store.get(`${TENANT}:legacy`))!.response).not.toContain('"a"');
    expect(await store.get(`${TENANT}:bad`)).toEqual(bad);
    expect(await store.get(`${TENANT}:half`)).toEqual(half);
  });

  it('keeps the remaining lifetime and skips an entry that expired meanwhile', async () => {
    const store = new MemoryCacheStore();
    const short = entry(codecA, 1, 5_000);
    await store.set(`${TENANT}:short`, short, 5_000);
    const seen: Array<[string, number]> = [];
    const spy: CacheStore = {
      ...bind(store),
      set: (key, e, ttl) => { seen.push([key, ttl]); return store.set(key, e, ttl); },
    };
    expect(await rotateStore(spy, codecAB)).toEqual({ scanned: 1, rewritten: 1, skipped: 0, failed: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBeGreaterThan(0);
    expect(seen[0]![1]).toBeLessThanOrEqual(5_000);
    expect((await store.get(`${TENANT}:short`))!.expiresAt).toBe(short.expiresAt);

    // An entry whose expiresAt has passed (but the store still returns it) is not written back.
    const expired = { ...entry(codecA, 2), expiresAt: Date.now() - 1 };
    const stale: CacheStore = { ...bind(store), entries: async function* () { yield [`${TENANT}:old`, expired] as [string, StoredEntry]; }, get: () => expired };
    expect(await rotateStore(stale, codecAB)).toEqual({ scanned: 1, rewritten: 0, skipped: 1, failed: 0 });
    expect(await store.get(`${TENANT}:old`)).toBeUndefined();
  });

  it('an interrupted run (store failure mid-batch) loses nothing: every entry opens under the old or the new key', async () => {
    const store = new MemoryCacheStore();
    await fill(store, 10);
    let writes = 0;
    const failing: CacheStore = {
      ...bind(store),
      set: (key, e, ttl) => {
        if (++writes > 4) throw new Error('connection lost');
        return store.set(key, e, ttl);
      },
    };
    await expect(rotateStore(failing, codecAB, { batchSize: 3 })).rejects.toThrow('connection lost');
    await allReadable(store, 10);
    let rotated = 0;
    for await (const [, e] of store.entries()) if (!codecAB.isStale(e)) rotated++;
    expect(rotated).toBe(4);
    // Rerunning finishes the job.
    expect(await rotateStore(store, codecAB, { batchSize: 3 })).toEqual({ scanned: 10, rewritten: 6, skipped: 4, failed: 0 });
    await allReadable(store, 10);
  });

  it('stops between batches when aborted, with the done part rotated and the rest still readable', async () => {
    const store = new MemoryCacheStore();
    await fill(store, 6);
    const controller = new AbortController();
    const run = rotateStore(store, codecAB, { batchSize: 2, signal: controller.signal, onProgress: (p) => { if (p.scanned === 2) controller.abort(new Error('stop')); } });
    await expect(run).rejects.toThrow('stop');
    await allReadable(store, 6);
    let rotated = 0;
    for await (const [, e] of store.entries()) if (!codecAB.isStale(e)) rotated++;
    expect(rotated).toBe(2);
    const aborted = new AbortController();
    aborted.abort(new Error('before start'));
    await expect(rotateStore(store, codecAB, { signal: aborted.signal })).rejects.toThrow('before start');
  });

  it('never brings back an entry erased, or replaced, while its batch was in flight', async () => {
    const store = new MemoryCacheStore();
    await fill(store, 3);
    const fresher = entry(codecB, 99);
    const racing: CacheStore = {
      ...bind(store),
      // The walk hands out all three, then an erase and a fresh write land before the rewrites.
      entries: async function* () {
        const items: Array<[string, StoredEntry]> = [];
        for await (const item of store.entries()) items.push(item);
        yield* items;
        await store.delete(`${TENANT}:a0`);
        await store.set(`${TENANT}:a1`, fresher, 60_000);
      },
    };
    expect(await rotateStore(racing, codecAB, { batchSize: 10 })).toEqual({ scanned: 3, rewritten: 1, skipped: 2, failed: 0 });
    expect(await store.get(`${TENANT}:a0`)).toBeUndefined();
    expect(await store.get(`${TENANT}:a1`)).toEqual(fresher);
  });

  it('refuses a codec without encryption and a bad batch size', async () => {
    const store = new MemoryCacheStore();
    await expect(rotateStore(store, new EntryCodec(undefined))).rejects.toThrow(/encryption/);
    await expect(rotateStore(store, codecAB, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    expect(await rotateStore(store, codecAB)).toEqual({ scanned: 0, rewritten: 0, skipped: 0, failed: 0 });
  });
});

/** The store's methods bound to it, so a test can replace one of them. */
function bind(store: MemoryCacheStore): CacheStore {
  return {
    get: (k) => store.get(k), set: (k, e, t) => store.set(k, e, t), delete: (k) => store.delete(k),
    keysForSubject: (t, s) => store.keysForSubject(t, s), deleteSubject: (t, s) => store.deleteSubject(t, s),
    deleteTenant: (t) => store.deleteTenant(t), entries: () => store.entries(), size: () => store.size(),
  };
}
