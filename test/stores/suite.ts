// Shared store conformance suites: every CacheStore, CounterStore and KeyStore implementation must pass these.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore, CounterStore, KeyRecord, KeyStore, StoredEntry } from '@vectorcache/core';

export interface CacheHarness {
  store: CacheStore;
  /** Every raw key the backend holds for this store (Redis: SCAN of the test prefix). */
  rawKeys?: () => Promise<string[]>;
  /** Every raw key with its contents as text, to prove erased data is gone from values too. */
  rawDump?: () => Promise<string>;
  cleanup?: () => Promise<void> | void;
}

export interface CounterHarness {
  store: CounterStore;
  cleanup?: () => Promise<void> | void;
}

export interface KeyHarness {
  store: KeyStore;
  cleanup?: () => Promise<void> | void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let serial = 0;
/** A cache key in the gate's format: `<tenant>:<hex>`. */
export function cacheKey(tenant: string, n = ++serial): string {
  return `${tenant}:${n.toString(16).padStart(64, '0')}`;
}

export function makeEntry(tenant: string, over: Partial<StoredEntry> = {}): StoredEntry {
  const now = Date.now();
  return {
    v: 1,
    tenant,
    model: 'gpt-test',
    createdAt: now,
    expiresAt: now + 60_000,
    enc: ['request', 'response'],
    request: `gAAAAA-request-${tenant}-${serial}`,
    response: `gAAAAA-response-${tenant}-${serial}`,
    status: 200,
    headers: { 'content-type': 'application/json' },
    size: 42,
    ...over,
  };
}

async function collect(store: CacheStore): Promise<Map<string, StoredEntry>> {
  const out = new Map<string, StoredEntry>();
  for await (const [key, entry] of store.entries()) out.set(key, entry);
  return out;
}

export interface CacheSuiteOptions {
  /** The `maxBytes` every store from `make` was built with; bounded stores run the byte-bound test. */
  maxBytes?: number;
}

export function cacheStoreSuite(name: string, make: () => Promise<CacheHarness> | CacheHarness, options: CacheSuiteOptions = {}): void {
  describe(`CacheStore conformance: ${name}`, () => {
    let h: CacheHarness;
    let store: CacheStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    it('misses an unknown key and returns what was set', async () => {
      const key = cacheKey('acme');
      expect(await store.get(key)).toBeUndefined();
      const entry = makeEntry('acme', { subject: 'subj-a', context: 'ctx', elapsedMs: 12, tokens: 7 });
      await store.set(key, entry, 60_000);
      expect(await store.get(key)).toEqual(entry);
    });

    it('does not let a caller alter the stored entry through what it set or got', async () => {
      const key = cacheKey('acme');
      const entry = makeEntry('acme');
      const original = entry.response;
      await store.set(key, entry, 60_000);
      entry.response = 'changed after set';
      const got = (await store.get(key))!;
      try {
        got.response = 'changed after get';
        got.headers['set-cookie'] = 'x';
      } catch {
        // a frozen entry refuses the write: equally fine
      }
      const again = (await store.get(key))!;
      expect(again.response).toBe(original);
      expect(again.headers).toEqual({ 'content-type': 'application/json' });
    });

    it('expires an entry after its TTL', async () => {
      const short = cacheKey('acme');
      const long = cacheKey('acme');
      await store.set(short, makeEntry('acme', { subject: 's1' }), 80);
      await store.set(long, makeEntry('acme', { subject: 's1' }), 60_000);
      expect(await store.get(short)).toBeDefined();
      await sleep(200);
      expect(await store.get(short)).toBeUndefined();
      expect(await store.get(long)).toBeDefined();
      expect(await store.keysForSubject('acme', 's1')).toEqual([long]);
      expect((await store.size()).entries).toBe(1);
    });

    it('deletes one entry, reporting whether it existed', async () => {
      const key = cacheKey('acme');
      await store.set(key, makeEntry('acme', { subject: 's1' }), 60_000);
      expect(await store.delete(key)).toBe(true);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.delete(key)).toBe(false);
      expect(await store.keysForSubject('acme', 's1')).toEqual([]);
    });

    it('indexes by subject within a tenant, and moves the index when an entry is overwritten', async () => {
      const a1 = cacheKey('acme');
      const a2 = cacheKey('acme');
      const b1 = cacheKey('acme');
      const other = cacheKey('globex');
      await store.set(a1, makeEntry('acme', { subject: 'A' }), 60_000);
      await store.set(a2, makeEntry('acme', { subject: 'A' }), 60_000);
      await store.set(b1, makeEntry('acme', { subject: 'B' }), 60_000);
      await store.set(other, makeEntry('globex', { subject: 'A' }), 60_000);
      expect((await store.keysForSubject('acme', 'A')).sort()).toEqual([a1, a2].sort());
      expect(await store.keysForSubject('acme', 'B')).toEqual([b1]);
      expect(await store.keysForSubject('globex', 'A')).toEqual([other]);
      expect(await store.keysForSubject('acme', 'nobody')).toEqual([]);

      await store.set(a2, makeEntry('acme', { subject: 'B' }), 60_000);
      expect(await store.keysForSubject('acme', 'A')).toEqual([a1]);
      expect((await store.keysForSubject('acme', 'B')).sort()).toEqual([a2, b1].sort());
    });

    it('erases a subject completely, leaving other subjects and tenants alone; a second erase is 0', async () => {
      const a = [cacheKey('acme'), cacheKey('acme'), cacheKey('acme')];
      const b = cacheKey('acme');
      const other = cacheKey('globex');
      const aEntries = a.map(() => makeEntry('acme', { subject: 'subject-A-hash', request: `token-of-A-${Math.random()}` }));
      for (const [i, key] of a.entries()) await store.set(key, aEntries[i]!, 60_000);
      await store.set(b, makeEntry('acme', { subject: 'subject-B-hash' }), 60_000);
      await store.set(other, makeEntry('globex', { subject: 'subject-A-hash' }), 60_000);
      const before = await store.size();

      expect(await store.deleteSubject('acme', 'subject-A-hash')).toBe(3);
      for (const key of a) expect(await store.get(key)).toBeUndefined();
      expect(await store.keysForSubject('acme', 'subject-A-hash')).toEqual([]);
      expect(await store.get(b)).toBeDefined();
      expect(await store.get(other)).toBeDefined();
      expect(await store.keysForSubject('globex', 'subject-A-hash')).toEqual([other]);
      expect(await store.deleteSubject('acme', 'subject-A-hash')).toBe(0);
      const after = await store.size();
      expect(after.entries).toBe(before.entries - 3);
      expect(after.bytes).toBeLessThan(before.bytes);
      expect([...(await collect(store)).keys()].sort()).toEqual([b, other].sort());

      if (h.rawKeys) {
        const raw = await h.rawKeys();
        const acmeRaw = raw.filter((k) => k.includes('{t:acme}'));
        // No entry of A and no index of A remain in the backend.
        for (const key of a) expect(raw.some((k) => k.endsWith(key))).toBe(false);
        expect(acmeRaw.some((k) => k.includes('subject-A-hash'))).toBe(false);
        expect(raw.some((k) => k.endsWith(b))).toBe(true);
      }
      if (h.rawDump) {
        // Nor in any value: no index member, no ciphertext, no subject hash.
        const dump = await h.rawDump();
        for (const key of a) expect(dump).not.toContain(key);
        for (const entry of aEntries) expect(dump).not.toContain(entry.request);
        expect(dump).not.toMatch(/\{t:acme\}[^\n]*subject-A-hash/);
        expect(dump).toContain(b);
      }
    });

    it('erases a whole tenant and nothing of another', async () => {
      const keys = Array.from({ length: 25 }, () => cacheKey('acme'));
      for (const [i, key] of keys.entries()) await store.set(key, makeEntry('acme', { subject: `s${i % 3}` }), 60_000);
      const other = cacheKey('globex');
      await store.set(other, makeEntry('globex', { subject: 's0' }), 60_000);
      expect(await store.deleteTenant('acme')).toBe(25);
      for (const key of keys) expect(await store.get(key)).toBeUndefined();
      expect(await store.keysForSubject('acme', 's0')).toEqual([]);
      expect(await store.get(other)).toBeDefined();
      expect(await store.deleteTenant('acme')).toBe(0);
      expect(await store.size()).toEqual({ entries: 1, bytes: expect.any(Number) });
      if (h.rawKeys) {
        const raw = await h.rawKeys();
        expect(raw.filter((k) => k.includes('{t:acme}'))).toEqual([]);
        expect(raw.some((k) => k.includes('{t:globex}'))).toBe(true);
      }
    });

    it('keeps tenants apart even when key suffixes collide', async () => {
      const suffix = 'f'.repeat(64);
      await store.set(`acme:${suffix}`, makeEntry('acme', { response: 'acme answer' }), 60_000);
      await store.set(`globex:${suffix}`, makeEntry('globex', { response: 'globex answer' }), 60_000);
      expect((await store.get(`acme:${suffix}`))!.response).toBe('acme answer');
      expect((await store.get(`globex:${suffix}`))!.response).toBe('globex answer');
      await store.deleteTenant('globex');
      expect((await store.get(`acme:${suffix}`))!.response).toBe('acme answer');
    });

    it('walks every live entry with entries()', async () => {
      const written = new Map<string, StoredEntry>();
      for (let i = 0; i < 40; i++) {
        const tenant = i % 2 ? 'acme' : 'tenant:with:colons';
        const key = cacheKey(tenant);
        const entry = makeEntry(tenant, { subject: `s${i % 4}` });
        written.set(key, entry);
        await store.set(key, entry, 60_000);
      }
      const seen = await collect(store);
      expect(seen).toEqual(written);
    });

    it('reports entry count and bytes, counting every string field', async () => {
      expect(await store.size()).toEqual({ entries: 0, bytes: 0 });
      const small = cacheKey('acme');
      const big = cacheKey('acme');
      await store.set(small, makeEntry('acme'), 60_000);
      const one = await store.size();
      expect(one.entries).toBe(1);
      expect(one.bytes).toBeGreaterThan(0);
      // Same `size` field, but a 10 kB context: the accounting must see it.
      await store.set(big, makeEntry('acme', { context: 'x'.repeat(10_000) }), 60_000);
      const two = await store.size();
      expect(two.entries).toBe(2);
      expect(two.bytes - one.bytes).toBeGreaterThan(10_000);
      await store.delete(big);
      expect(await store.size()).toEqual(one);
    });

    const maxBytes = options.maxBytes;
    if (maxBytes !== undefined) it('stays within its byte bound and unindexes what it evicts', async () => {
      const keys: string[] = [];
      for (let i = 0; i < 60; i++) {
        const key = cacheKey('acme');
        keys.push(key);
        await store.set(key, makeEntry('acme', { subject: 'S', response: 'r'.repeat(1_000) }), 60_000);
        expect((await store.size()).bytes).toBeLessThanOrEqual(maxBytes);
      }
      const live = await store.keysForSubject('acme', 'S');
      expect(live.length).toBeGreaterThan(0);
      expect(live.length).toBeLessThan(60);
      for (const key of keys) expect((await store.get(key)) !== undefined).toBe(live.includes(key));
      expect(await store.deleteSubject('acme', 'S')).toBe(live.length);
    });
  });
}

export function counterStoreSuite(name: string, make: () => Promise<CounterHarness> | CounterHarness): void {
  describe(`CounterStore conformance: ${name}`, () => {
    let h: CounterHarness;
    let store: CounterStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    it('counts within a window and reports its end', async () => {
      const start = Date.now();
      const first = await store.increment('ip:1', 10_000);
      expect(first.count).toBe(1);
      expect(first.resetAt).toBeGreaterThan(start);
      expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 10_000);
      expect((await store.increment('ip:1', 10_000)).count).toBe(2);
      expect((await store.increment('ip:1', 10_000, 5)).count).toBe(7);
      const got = await store.get('ip:1');
      expect(got?.count).toBe(7);
      expect(Math.abs(got!.resetAt - first.resetAt)).toBeLessThan(50);
      expect(await store.get('ip:2')).toBeUndefined();
      expect((await store.increment('ip:2', 10_000)).count).toBe(1);
    });

    it('starts a fresh window after the old one ends', async () => {
      await store.increment('k', 100);
      await store.increment('k', 100);
      await sleep(200);
      expect(await store.get('k')).toBeUndefined();
      expect((await store.increment('k', 100)).count).toBe(1);
    });

    it('resets a counter', async () => {
      await store.increment('k', 10_000, 3);
      await store.reset('k');
      expect(await store.get('k')).toBeUndefined();
      expect((await store.increment('k', 10_000)).count).toBe(1);
    });

    it('counts distinct set members within a window', async () => {
      if (!store.addToSet) throw new Error('addToSet is expected of this store');
      expect(await store.addToSet('ips:key1', '10.0.0.1', 10_000)).toBe(1);
      expect(await store.addToSet('ips:key1', '10.0.0.2', 10_000)).toBe(2);
      expect(await store.addToSet('ips:key1', '10.0.0.1', 10_000)).toBe(2);
      expect(await store.addToSet('ips:key2', '10.0.0.1', 10_000)).toBe(1);
      expect(await store.addToSet('short', 'a', 100)).toBe(1);
      expect(await store.addToSet('short', 'b', 100)).toBe(2);
      await sleep(200);
      expect(await store.addToSet('short', 'c', 100)).toBe(1);
    });
  });
}

let keySerial = 0;
export function makeKeyRecord(over: Partial<KeyRecord> = {}): KeyRecord {
  const n = ++keySerial;
  return {
    id: `key_test${n}_${Math.random().toString(36).slice(2, 8)}`,
    hash: `${n.toString(16)}${Math.random().toString(16).slice(2)}`.padEnd(64, '0'),
    hint: 'vc_dev_ab12…wxyz',
    name: `Key ${n}`,
    environment: 'dev',
    tenant: 'acme',
    scopes: ['cache:read', 'cache:write'],
    createdAt: new Date().toISOString(),
    expiresAt: null,
    revokedAt: null,
    ...over,
  };
}

export function keyStoreSuite(name: string, make: () => Promise<KeyHarness> | KeyHarness): void {
  describe(`KeyStore conformance: ${name}`, () => {
    let h: KeyHarness;
    let store: KeyStore;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    it('finds an inserted record by hash and by id, and lists it', async () => {
      const record = makeKeyRecord();
      expect(await store.findByHash(record.hash)).toBeUndefined();
      await store.insert(record);
      expect(await store.findByHash(record.hash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
      expect(await store.list()).toEqual([record]);
    });

    it('rejects a duplicate id or hash', async () => {
      const record = makeKeyRecord();
      await store.insert(record);
      await expect(Promise.resolve().then(() => store.insert({ ...makeKeyRecord(), id: record.id }))).rejects.toThrow();
      await expect(Promise.resolve().then(() => store.insert({ ...makeKeyRecord(), hash: record.hash }))).rejects.toThrow();
      expect(await store.list()).toHaveLength(1);
    });

    it('updates a record so the next lookup sees it, and ignores an unknown id', async () => {
      const record = makeKeyRecord();
      await store.insert(record);
      expect(await store.findByHash(record.hash)).toBeDefined(); // now in any local cache
      const revokedAt = new Date().toISOString();
      const updated = await store.update(record.id, (r) => ({ ...r, revokedAt }));
      expect(updated).toEqual({ ...record, revokedAt });
      expect((await store.findByHash(record.hash))?.revokedAt).toBe(revokedAt);
      expect((await store.findById(record.id))?.revokedAt).toBe(revokedAt);
      expect(await store.update('key_missing', (r) => r)).toBeUndefined();
    });

    it('hands out copies: mutating a result does not change the store', async () => {
      const record = makeKeyRecord();
      await store.insert(record);
      const got = (await store.findByHash(record.hash))!;
      try {
        got.scopes.push('*');
      } catch {
        // frozen: fine
      }
      expect((await store.findByHash(record.hash))!.scopes).toEqual(['cache:read', 'cache:write']);
    });
  });
}
