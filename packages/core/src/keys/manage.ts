// Key management used by the CLI and admin APIs: create, rotate (with a grace period) and revoke.
import { optionError } from '../errors.js';
import type { KeyRecord, KeyStore } from '../types.js';
import { validateAllowedIps } from './allowed-ips.js';
import { generateApiKey, isValidEnvironment, randomBase62 } from './format.js';
import { keyStatus } from './records.js';
import { validateScopes } from './scopes.js';

export interface CreateKeyInput {
  /** Environment the key works in (`dev`, `staging`, `prod` or a custom lowercase name). */
  environment: string;
  /** Human label, e.g. "Analytics Dashboard". */
  name: string;
  scopes: string[];
  /** Tenant whose cache the key reads and writes. Defaults to `'default'`. */
  tenant?: string;
  /** Lifetime in milliseconds. Defaults to no expiry. */
  expiresInMs?: number;
  /** Per-key IP allowlist (CIDRs). Defaults to none (any address the guard allows). */
  allowedIps?: string[];
  /** Creation time. Defaults to the current time. */
  now?: Date;
}

export type KeyManagementErrorCode = 'key_not_found' | 'key_revoked' | 'key_expired' | 'key_already_rotated';

/** A management request that cannot be carried out (unknown id, key revoked…); never carries a key. */
export class KeyManagementError extends Error {
  readonly code: KeyManagementErrorCode;
  constructor(code: KeyManagementErrorCode, message: string) {
    super(message);
    this.name = 'KeyManagementError';
    this.code = code;
  }
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// Control characters would garble `keys list` output and logs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A new key id: `key_` + 16 base62 characters (≈ 95 bits, so ids never collide in practice). */
export function generateKeyId(): string {
  return `key_${randomBase62(16)}`;
}

function validDate(value: Date | undefined, option: string): Date {
  const date = value ?? new Date();
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw optionError(option, 'must be a valid Date');
  return date;
}

function validDuration(value: unknown, option: string, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw optionError(option, `must be a ${allowZero ? 'non-negative' : 'positive'} whole number of milliseconds`);
  }
  return value;
}

/** Mints a key, stores its record (hash and hint only) and returns the plaintext once. */
export async function createKey(store: KeyStore, input: CreateKeyInput): Promise<{ key: string; record: KeyRecord }> {
  if (!isValidEnvironment(input.environment)) {
    throw optionError('environment', 'must be lowercase letters and digits, starting with a letter, 2–16 characters (e.g. "dev", "staging", "prod")');
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200 || CONTROL.test(name)) throw optionError('name', 'must be a non-empty label of at most 200 printable characters');
  const scopes = validateScopes(input.scopes, 'scopes');
  const tenant = input.tenant ?? 'default';
  if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
    throw optionError('tenant', 'must be 1–128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
  }
  const now = validDate(input.now, 'now');
  const expiresInMs = input.expiresInMs === undefined ? undefined : validDuration(input.expiresInMs, 'expiresInMs', false);
  const allowedIps = input.allowedIps === undefined ? undefined : validateAllowedIps(input.allowedIps, 'allowedIps');

  const generated = generateApiKey(input.environment);
  const record: KeyRecord = {
    id: generateKeyId(),
    hash: generated.hash,
    hint: generated.hint,
    name,
    environment: input.environment,
    tenant,
    scopes,
    createdAt: now.toISOString(),
    expiresAt: expiresInMs === undefined ? null : new Date(now.getTime() + expiresInMs).toISOString(),
    revokedAt: null,
    rotatedTo: null,
    rotatedFrom: null,
    ...(allowedIps && allowedIps.length > 0 ? { allowedIps } : {}),
  };
  await store.insert(record);
  return { key: generated.key, record };
}

async function mustFind(store: KeyStore, id: string): Promise<KeyRecord> {
  const record = typeof id === 'string' && id !== '' ? await store.findById(id) : undefined;
  if (!record) throw new KeyManagementError('key_not_found', `no key with id ${JSON.stringify(String(id).slice(0, 64))}`);
  return record;
}

function assertRotatable(record: KeyRecord, now: number): void {
  if (record.revokedAt) throw new KeyManagementError('key_revoked', `key ${record.id} is revoked and cannot be rotated; create a new key instead`);
  if (record.rotatedTo) throw new KeyManagementError('key_already_rotated', `key ${record.id} was already rotated to ${record.rotatedTo}; rotate that key instead`);
  if (keyStatus(record, now) === 'expired') throw new KeyManagementError('key_expired', `key ${record.id} has expired and cannot be rotated; create a new key instead`);
}

/**
 * Mints a successor with the same name, environment, tenant, scopes and IP allowlist. The old key
 * keeps working until `now + graceMs` (or its own earlier expiry), then fails with `key_expired`.
 * A successor of a key with a lifetime gets the same lifetime, counted from now.
 */
export async function rotateKey(
  store: KeyStore,
  id: string,
  opts: { graceMs: number; now?: Date },
): Promise<{ key: string; record: KeyRecord; previous: KeyRecord }> {
  const graceMs = validDuration(opts?.graceMs, 'graceMs', true);
  const now = validDate(opts?.now, 'now');
  const nowMs = now.getTime();
  const old = await mustFind(store, id);
  assertRotatable(old, nowMs);

  const generated = generateApiKey(old.environment);
  const lifetime = old.expiresAt ? Date.parse(old.expiresAt) - Date.parse(old.createdAt) : NaN;
  const record: KeyRecord = {
    id: generateKeyId(),
    hash: generated.hash,
    hint: generated.hint,
    name: old.name,
    environment: old.environment,
    tenant: old.tenant,
    scopes: [...old.scopes],
    createdAt: now.toISOString(),
    expiresAt: Number.isFinite(lifetime) && lifetime > 0 ? new Date(nowMs + lifetime).toISOString() : null,
    revokedAt: null,
    rotatedTo: null,
    rotatedFrom: old.id,
    ...(old.allowedIps && old.allowedIps.length > 0 ? { allowedIps: [...old.allowedIps] } : {}),
  };
  // The successor goes in first: if marking the old key fails, the old key is untouched and the
  // successor is revoked again, so there is never a moment with no working key.
  await store.insert(record);
  let previous: KeyRecord | undefined;
  try {
    previous = await store.update(old.id, (current) => {
      // Re-checked on the current record: another process may have revoked or rotated it meanwhile.
      assertRotatable(current, nowMs);
      const graceEnd = nowMs + graceMs;
      const currentEnd = current.expiresAt ? Date.parse(current.expiresAt) : Infinity;
      return {
        ...current,
        rotatedTo: record.id,
        expiresAt: currentEnd <= graceEnd ? current.expiresAt! : new Date(graceEnd).toISOString(),
      };
    });
    if (!previous) throw new KeyManagementError('key_not_found', `no key with id ${JSON.stringify(old.id)}`);
  } catch (error) {
    await Promise.resolve(store.update(record.id, (r) => ({ ...r, revokedAt: now.toISOString() }))).catch(() => undefined);
    throw error;
  }
  return { key: generated.key, record, previous };
}

/** Revokes a key at once; revoking twice keeps the first revocation time. */
export async function revokeKey(store: KeyStore, id: string, opts?: { now?: Date }): Promise<KeyRecord> {
  const now = validDate(opts?.now, 'now');
  await mustFind(store, id);
  const updated = await store.update(id, (current) => ({ ...current, revokedAt: current.revokedAt ?? now.toISOString() }));
  if (!updated) throw new KeyManagementError('key_not_found', `no key with id ${JSON.stringify(String(id).slice(0, 64))}`);
  return updated;
}
