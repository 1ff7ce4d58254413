// Tests for the key verifier: check order, store isolation for bad keys, fail-closed store errors.
import { describe, expect, it, vi } from 'vitest';
import type { KeyRecord, KeyStore } from '../types.js';
import { generateApiKey } from './format.js';
import { createKey, revokeKey, rotateKey } from './manage.js';
import { MemoryKeyStore } from './memory-store.js';
import { createKeyVerifier } from './verify.js';

const HOUR = 3_600_000;

function spyStore(inner: KeyStore = new MemoryKeyStore()) {
  const findByHash = vi.fn((hash: string) => inner.findByHash(hash));
  const store: KeyStore = { ...inner, findByHash, findById: (id) => inner.findById(id), list: () => inner.list(), insert: (r) => inner.insert(r), update: (id, c) => inner.update(id, c) };
  return { store, findByHash };
}

describe('createKeyVerifier', () => {
  it('validates its options', () => {
    expect(() => createKeyVerifier(new MemoryKeyStore(), { environment: 'Prod' })).toThrow(/`environment`/);
    expect(() => createKeyVerifier({} as KeyStore, { environment: 'prod' })).toThrow(/`keys`/);
  });

  it('accepts a valid key and returns its record', async () => {
    const store = new MemoryKeyStore();
    const { key, record } = await createKey(store, { environment: 'prod', name: 'a', scopes: ['cache:read'] });
    const check = await createKeyVerifier(store, { environment: 'prod' }).verify(key, Date.now());
    expect(check).toEqual({ ok: true, record });
  });

  it('missing and malformed keys never reach the store', async () => {
    const { store, findByHash } = spyStore();
    const verifier = createKeyVerifier(store, { environment: 'prod' });
    expect(await verifier.verify(undefined, 0)).toEqual({ ok: false, code: 'missing_api_key' });
    expect(await verifier.verify('', 0)).toEqual({ ok: false, code: 'missing_api_key' });
    const { key } = generateApiKey('prod');
    const typo = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    for (const bad of ['garbage', typo, key + 'x', 'vc_prod_' + 'a'.repeat(38), 'x'.repeat(100_000)]) {
      expect(await verifier.verify(bad, 0)).toEqual({ ok: false, code: 'malformed_api_key' });
    }
    expect(findByHash).not.toHaveBeenCalled();
  });

  it('keys of another environment fail with wrong_environment without touching the store', async () => {
    const { store, findByHash } = spyStore();
    const { key, hint } = generateApiKey('dev');
    expect(await createKeyVerifier(store, { environment: 'prod' }).verify(key, 0)).toEqual({ ok: false, code: 'wrong_environment', hint });
    expect(findByHash).not.toHaveBeenCalled();
  });

  it('an unknown well-formed key is invalid_api_key after one lookup', async () => {
    const { store, findByHash } = spyStore();
    const { key, hint } = generateApiKey('prod');
    expect(await createKeyVerifier(store, { environment: 'prod' }).verify(key, 0)).toEqual({ ok: false, code: 'invalid_api_key', hint });
    expect(findByHash).toHaveBeenCalledTimes(1);
  });

  it('a throwing or rejecting store gives key_store_unavailable (fail closed)', async () => {
    const { key } = generateApiKey('prod');
    for (const findByHash of [
      () => {
        throw new Error('down');
      },
      () => Promise.reject(new Error('timeout')),
    ]) {
      const store = { ...new MemoryKeyStore(), findByHash } as unknown as KeyStore;
      const check = await createKeyVerifier(store, { environment: 'prod' }).verify(key, 0);
      expect(check).toMatchObject({ ok: false, code: 'key_store_unavailable' });
    }
  });

  it('a store answering with a record of another hash is refused (constant-time compare)', async () => {
    const inner = new MemoryKeyStore();
    const { record } = await createKey(inner, { environment: 'prod', name: 'a', scopes: [] });
    const loose: KeyStore = { ...spyStore(inner).store, findByHash: () => record };
    const other = generateApiKey('prod');
    expect(await createKeyVerifier(loose, { environment: 'prod' }).verify(other.key, 0)).toMatchObject({ ok: false, code: 'invalid_api_key' });
  });

  it('revoked keys fail at once, expired keys fail from expiresAt on', async () => {
    const store = new MemoryKeyStore();
    const now = new Date('2030-01-01T00:00:00Z');
    const verifier = createKeyVerifier(store, { environment: 'prod' });
    const a = await createKey(store, { environment: 'prod', name: 'a', scopes: [], now, expiresInMs: HOUR });
    expect((await verifier.verify(a.key, now.getTime() + HOUR - 1)).ok).toBe(true);
    expect(await verifier.verify(a.key, now.getTime() + HOUR)).toMatchObject({ ok: false, code: 'key_expired', record: { id: a.record.id } });
    await revokeKey(store, a.record.id, { now });
    // Revoked wins over expired, and applies before the expiry.
    expect(await verifier.verify(a.key, now.getTime())).toMatchObject({ ok: false, code: 'key_revoked', record: { id: a.record.id } });
  });

  it('a rotated key works until now + grace, then fails with key_expired; the successor works', async () => {
    const store = new MemoryKeyStore();
    const now = new Date('2030-01-01T00:00:00Z');
    const verifier = createKeyVerifier(store, { environment: 'prod' });
    const old = await createKey(store, { environment: 'prod', name: 'a', scopes: ['cache:read'], now });
    const rotated = await rotateKey(store, old.record.id, { graceMs: 24 * HOUR, now });
    expect((await verifier.verify(old.key, now.getTime() + 24 * HOUR - 1)).ok).toBe(true);
    expect(await verifier.verify(old.key, now.getTime() + 24 * HOUR)).toMatchObject({ ok: false, code: 'key_expired' });
    expect(await verifier.verify(rotated.key, now.getTime() + 48 * HOUR)).toMatchObject({ ok: true, record: { id: rotated.record.id } });
  });

  it('a record whose environment differs from the guard is refused even if the key says otherwise', async () => {
    const { key, hash, hint } = generateApiKey('prod');
    const record: KeyRecord = { id: 'key_x', hash, hint, name: 'n', environment: 'dev', tenant: 't', scopes: [], createdAt: new Date(0).toISOString() };
    const store = new MemoryKeyStore([record]);
    expect(await createKeyVerifier(store, { environment: 'prod' }).verify(key, 0)).toMatchObject({ ok: false, code: 'wrong_environment', record: { id: 'key_x' } });
  });

  it('an unreadable expiresAt counts as expired (fail closed)', async () => {
    const { key, hash, hint } = generateApiKey('prod');
    const store = new MemoryKeyStore([{ id: 'key_x', hash, hint, name: 'n', environment: 'prod', tenant: 't', scopes: [], createdAt: '', expiresAt: 'soon' }]);
    expect(await createKeyVerifier(store, { environment: 'prod' }).verify(key, 0)).toMatchObject({ ok: false, code: 'key_expired' });
  });
});
