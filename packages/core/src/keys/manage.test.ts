// Tests for key management: create, rotate with grace, revoke, and the errors they raise.
import { describe, expect, it } from 'vitest';
import type { KeyStore } from '../types.js';
import { hashApiKey, keyHint, parseApiKey } from './format.js';
import { createKey, KeyManagementError, revokeKey, rotateKey } from './manage.js';
import { MemoryKeyStore } from './memory-store.js';

const HOUR = 3_600_000;
const now = new Date('2030-01-01T00:00:00Z');

describe('createKey', () => {
  it('stores only the hash and hint, and returns the plaintext once', async () => {
    const store = new MemoryKeyStore();
    const { key, record } = await createKey(store, {
      environment: 'prod', name: ' Analytics Dashboard ', scopes: ['cache:read', 'analytics:read'], tenant: 'acme',
      expiresInMs: 90 * 24 * HOUR, allowedIps: ['10.0.0.0/8', '2001:db8:0:0::/32'], now,
    });
    expect(parseApiKey(key)?.environment).toBe('prod');
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{16}$/), hash: hashApiKey(key), hint: keyHint(key), name: 'Analytics Dashboard',
      environment: 'prod', tenant: 'acme', scopes: ['cache:read', 'analytics:read'], createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 90 * 24 * HOUR).toISOString(), revokedAt: null, rotatedTo: null, rotatedFrom: null,
      allowedIps: ['10.0.0.0/8', '2001:db8::/32'],
    });
    expect(JSON.stringify(store.list())).not.toContain(key);
    expect(store.findByHash(hashApiKey(key))?.id).toBe(record.id);
  });

  it('defaults tenant to "default" and no expiry', async () => {
    const { record } = await createKey(new MemoryKeyStore(), { environment: 'dev', name: 'x', scopes: [] });
    expect(record.tenant).toBe('default');
    expect(record.expiresAt).toBeNull();
    expect(record.allowedIps).toBeUndefined();
  });

  it('refuses bad input with option errors and stores nothing', async () => {
    const store = new MemoryKeyStore();
    const base = { environment: 'prod', name: 'x', scopes: ['cache:read'] };
    await expect(createKey(store, { ...base, environment: 'PROD' })).rejects.toThrow(/`environment`/);
    await expect(createKey(store, { ...base, name: '  ' })).rejects.toThrow(/`name`/);
    await expect(createKey(store, { ...base, name: 'a\nb' })).rejects.toThrow(/`name`/);
    await expect(createKey(store, { ...base, scopes: ['cache:reed'] })).rejects.toThrow(/did you mean "cache:read"/);
    await expect(createKey(store, { ...base, tenant: 'a b' })).rejects.toThrow(/`tenant`/);
    await expect(createKey(store, { ...base, expiresInMs: 0 })).rejects.toThrow(/`expiresInMs`/);
    await expect(createKey(store, { ...base, expiresInMs: 1.5 })).rejects.toThrow(/`expiresInMs`/);
    await expect(createKey(store, { ...base, allowedIps: ['10.0.0.1/8'] })).rejects.toThrow(/host bits.*10\.0\.0\.0\/8/);
    expect(store.list()).toEqual([]);
  });
});

describe('rotateKey', () => {
  it('mints a successor with the same attributes and gives the old key a grace period', async () => {
    const store = new MemoryKeyStore();
    const old = await createKey(store, { environment: 'prod', name: 'svc', scopes: ['cache:*'], tenant: 'acme', allowedIps: ['10.0.0.0/8'], now });
    const later = new Date(now.getTime() + HOUR);
    const { key, record, previous } = await rotateKey(store, old.record.id, { graceMs: 24 * HOUR, now: later });
    expect(key).not.toBe(old.key);
    expect(record).toMatchObject({ name: 'svc', scopes: ['cache:*'], tenant: 'acme', environment: 'prod', allowedIps: ['10.0.0.0/8'], rotatedFrom: old.record.id, expiresAt: null, createdAt: later.toISOString() });
    expect(previous).toMatchObject({ id: old.record.id, rotatedTo: record.id, expiresAt: new Date(later.getTime() + 24 * HOUR).toISOString() });
    expect(store.findById(old.record.id)).toEqual(previous);
  });

  it('keeps an earlier expiry of the old key, and gives the successor the same lifetime', async () => {
    const store = new MemoryKeyStore();
    const old = await createKey(store, { environment: 'prod', name: 'svc', scopes: [], expiresInMs: 2 * HOUR, now });
    const { previous, record } = await rotateKey(store, old.record.id, { graceMs: 24 * HOUR, now });
    expect(previous.expiresAt).toBe(old.record.expiresAt);
    expect(record.expiresAt).toBe(new Date(now.getTime() + 2 * HOUR).toISOString());
  });

  it('refuses unknown, revoked, already rotated and expired keys', async () => {
    const store = new MemoryKeyStore();
    await expect(rotateKey(store, 'key_nope', { graceMs: 0, now })).rejects.toMatchObject({ code: 'key_not_found' });
    const a = await createKey(store, { environment: 'prod', name: 'a', scopes: [], now });
    await revokeKey(store, a.record.id, { now });
    await expect(rotateKey(store, a.record.id, { graceMs: 0, now })).rejects.toMatchObject({ code: 'key_revoked' });
    const b = await createKey(store, { environment: 'prod', name: 'b', scopes: [], now });
    await rotateKey(store, b.record.id, { graceMs: HOUR, now });
    await expect(rotateKey(store, b.record.id, { graceMs: HOUR, now })).rejects.toBeInstanceOf(KeyManagementError);
    const c = await createKey(store, { environment: 'prod', name: 'c', scopes: [], expiresInMs: HOUR, now });
    await expect(rotateKey(store, c.record.id, { graceMs: 0, now: new Date(now.getTime() + HOUR) })).rejects.toMatchObject({ code: 'key_expired' });
    await expect(rotateKey(store, c.record.id, { graceMs: -1, now })).rejects.toThrow(/`graceMs`/);
    // Nothing but the four created keys and b's one successor exist.
    expect(store.list()).toHaveLength(4);
  });

  it('revokes the successor again when the old key was revoked concurrently', async () => {
    const store = new MemoryKeyStore();
    const a = await createKey(store, { environment: 'prod', name: 'a', scopes: [], now });
    // Another process revokes the key between the read and the update.
    const racing: KeyStore = {
      findById: (id) => {
        const found = store.findById(id);
        store.update(a.record.id, (r) => ({ ...r, revokedAt: now.toISOString() }));
        return found;
      },
      findByHash: (hash) => store.findByHash(hash),
      list: () => store.list(),
      insert: (r) => store.insert(r),
      update: (id, change) => store.update(id, change),
    };
    await expect(rotateKey(racing, a.record.id, { graceMs: HOUR, now })).rejects.toMatchObject({ code: 'key_revoked' });
    const successor = store.list().find((r) => r.rotatedFrom === a.record.id);
    expect(successor?.revokedAt).toBe(now.toISOString());
  });
});

describe('revokeKey', () => {
  it('sets revokedAt once and refuses unknown ids', async () => {
    const store = new MemoryKeyStore();
    const a = await createKey(store, { environment: 'prod', name: 'a', scopes: [], now });
    expect((await revokeKey(store, a.record.id, { now })).revokedAt).toBe(now.toISOString());
    expect((await revokeKey(store, a.record.id, { now: new Date(now.getTime() + HOUR) })).revokedAt).toBe(now.toISOString());
    await expect(revokeKey(store, 'key_missing')).rejects.toMatchObject({ code: 'key_not_found' });
  });
});
