// Tests for MemoryKeyStore: lookups by id and hash, copies, duplicates, updates and change listeners.
import { describe, expect, it, vi } from 'vitest';
import type { KeyRecord } from '../types.js';
import { generateApiKey } from './format.js';
import { MemoryKeyStore } from './memory-store.js';

function record(id: string): KeyRecord {
  const { hash, hint } = generateApiKey('dev');
  return { id, hash, hint, name: id, environment: 'dev', tenant: 'default', scopes: ['cache:read'], createdAt: new Date(0).toISOString() };
}

describe('MemoryKeyStore', () => {
  it('finds records by id and hash and lists them', () => {
    const a = record('key_a');
    const store = new MemoryKeyStore([a]);
    expect(store.findById('key_a')).toEqual(a);
    expect(store.findByHash(a.hash)).toEqual(a);
    expect(store.findByHash('0'.repeat(64))).toBeUndefined();
    expect(store.list()).toEqual([a]);
  });

  it('hands out copies, so callers cannot change stored records', () => {
    const a = record('key_a');
    const store = new MemoryKeyStore([a]);
    a.scopes.push('*');
    store.findById('key_a')!.scopes.push('*');
    expect(store.findByHash(a.hash)!.scopes).toEqual(['cache:read']);
  });

  it('rejects duplicate ids and hashes, and invalid records', () => {
    const a = record('key_a');
    const store = new MemoryKeyStore([a]);
    expect(() => store.insert({ ...record('key_b'), hash: a.hash })).toThrow(/same hash/);
    expect(() => store.insert({ ...record('key_a') })).toThrow(/already exists/);
    expect(() => store.insert({ ...record('key_c'), hash: 'nothex' })).toThrow(/invalid key record/);
    expect(() => new MemoryKeyStore([a, a])).toThrow(/already exists/);
  });

  it('updates atomically, keeps the hash index in step and refuses id changes', () => {
    const a = record('key_a');
    const store = new MemoryKeyStore([a]);
    expect(store.update('key_a', (r) => ({ ...r, revokedAt: 'now' }))?.revokedAt).toBe('now');
    expect(store.findByHash(a.hash)?.revokedAt).toBe('now');
    expect(store.update('key_missing', (r) => r)).toBeUndefined();
    expect(() => store.update('key_a', (r) => ({ ...r, id: 'key_z' }))).toThrow(/may not change/);
    const { hash } = generateApiKey('dev');
    store.update('key_a', (r) => ({ ...r, hash }));
    expect(store.findByHash(a.hash)).toBeUndefined();
    expect(store.findByHash(hash)?.id).toBe('key_a');
  });

  it('tells change listeners, survives a throwing listener, and unsubscribes', () => {
    const store = new MemoryKeyStore();
    const listener = vi.fn();
    const unsubscribe = store.onChange(listener);
    store.onChange(() => {
      throw new Error('listener bug');
    });
    store.insert(record('key_a'));
    store.update('key_a', (r) => r);
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
    store.insert(record('key_b'));
    expect(listener).toHaveBeenCalledTimes(2);
    expect(store.list()).toHaveLength(2);
  });
});
