// Unit tests of MemoryCacheStore specifics: options, eviction bookkeeping, copy safety (the shared suite covers the contract).
import { describe, expect, it } from 'vitest';
import type { StoredEntry } from '../types.js';
import { MemoryCacheStore, entryBytes } from './memory-cache-store.js';

const entry = (tenant: string, over: Partial<StoredEntry> = {}): StoredEntry => ({
  v: 1, tenant, model: 'm', createdAt: 0, expiresAt: 1, enc: [], request: 'q', response: 'r', status: 200, headers: { a: 'b' }, size: 1, ...over,
});

describe('MemoryCacheStore', () => {
  it('validates its options by name', () => {
    expect(() => new MemoryCacheStore({ maxBytes: 0 })).toThrow(/`maxBytes` must be a positive integer/);
    expect(() => new MemoryCacheStore({ maxBytes: 1.5 })).toThrow(/`maxBytes`/);
    expect(() => new MemoryCacheStore({ maxEntries: -1 })).toThrow(/`maxEntries`/);
    expect(() => new MemoryCacheStore({ maxbytes: 10 } as never)).toThrow(/Did you mean `maxBytes`/);
    expect(() => new MemoryCacheStore({ maxBytes: '1mb' } as never)).toThrow(TypeError);
  });

  it('charges every string field, not just the declared size', () => {
    const small = entryBytes('t:1', entry('t'));
    const withContext = entryBytes('t:1', entry('t', { context: 'c'.repeat(5_000) }));
    expect(withContext - small).toBeGreaterThanOrEqual(5_000);
    expect(entryBytes('t:1', entry('t', { response: 'é' }))).toBe(small + 1); // UTF-8 bytes
  });

  it('evicts least recently used entries past maxEntries and drops them from the indexes', () => {
    const store = new MemoryCacheStore({ maxEntries: 2 });
    store.set('t:1', entry('t', { subject: 's' }), 60_000);
    store.set('t:2', entry('t', { subject: 's' }), 60_000);
    store.get('t:1'); // 2 is now the least recently used
    store.set('t:3', entry('t', { subject: 's' }), 60_000);
    expect(store.keysForSubject('t', 's').sort()).toEqual(['t:1', 't:3']);
    expect(store.deleteTenant('t')).toBe(2);
    expect(store.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('refuses an entry larger than the whole store without indexing it or keeping an older value', () => {
    const store = new MemoryCacheStore({ maxBytes: 1_000 });
    store.set('t:1', entry('t', { subject: 's' }), 60_000);
    store.set('t:1', entry('t', { subject: 's', response: 'x'.repeat(2_000) }), 60_000);
    expect(store.get('t:1')).toBeUndefined();
    expect(store.keysForSubject('t', 's')).toEqual([]);
    expect(store.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('treats a non-positive TTL as "do not store" and removes an older value', () => {
    const store = new MemoryCacheStore();
    store.set('t:1', entry('t'), 60_000);
    store.set('t:1', entry('t'), 0);
    expect(store.get('t:1')).toBeUndefined();
  });

  it('hands out frozen entries that do not alias the caller\'s object', () => {
    const store = new MemoryCacheStore();
    const original = entry('t');
    store.set('t:1', original, 60_000);
    original.headers.a = 'changed';
    const got = store.get('t:1')!;
    expect(got.headers.a).toBe('b');
    expect(Object.isFrozen(got) && Object.isFrozen(got.headers) && Object.isFrozen(got.enc)).toBe(true);
    expect(() => {
      got.response = 'x';
    }).toThrow(TypeError);
  });

  it('walks entries in batches, tolerating deletes during the walk', async () => {
    const store = new MemoryCacheStore();
    for (let i = 0; i < 600; i++) store.set(`t:${i}`, entry('t'), 60_000);
    const seen: string[] = [];
    for await (const [key] of store.entries()) {
      seen.push(key);
      // The walk goes most recent first, so t:0 comes in a later batch: it must be skipped.
      if (seen.length === 10) store.delete('t:0');
    }
    expect(seen).toHaveLength(599);
    expect(seen).not.toContain('t:0');
  });
});
