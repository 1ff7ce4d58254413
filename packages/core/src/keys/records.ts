// Shape checks and status of stored key records, shared by the stores, key management and the CLI.
import type { KeyRecord } from '../types.js';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const OPTIONAL_STRING = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/** A short reason why `value` is not a KeyRecord, or undefined when it is one. */
export function keyRecordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') return 'has no id';
  if (typeof r.hash !== 'string' || !HEX_SHA256.test(r.hash)) return `${r.id}: hash is not a hex SHA-256`;
  for (const field of ['hint', 'name', 'environment', 'tenant', 'createdAt'] as const) {
    if (typeof r[field] !== 'string') return `${r.id}: ${field} is not a string`;
  }
  if (!Array.isArray(r.scopes) || !r.scopes.every((s) => typeof s === 'string')) return `${r.id}: scopes is not a list of strings`;
  for (const field of ['expiresAt', 'revokedAt', 'rotatedTo', 'rotatedFrom'] as const) {
    if (!OPTIONAL_STRING(r[field])) return `${r.id}: ${field} is not a string`;
  }
  if (r.allowedIps !== undefined && (!Array.isArray(r.allowedIps) || !r.allowedIps.every((s) => typeof s === 'string'))) {
    return `${r.id}: allowedIps is not a list of strings`;
  }
  return undefined;
}

export type KeyStatus = 'active' | 'revoked' | 'expired' | 'rotated';

/** Display status at `now`: revoked beats expired, which beats rotated (still in its grace period). */
export function keyStatus(record: KeyRecord, now: number = Date.now()): KeyStatus {
  if (record.revokedAt) return 'revoked';
  if (record.expiresAt) {
    const at = Date.parse(record.expiresAt);
    if (Number.isNaN(at) || at <= now) return 'expired';
  }
  if (record.rotatedTo) return 'rotated';
  return 'active';
}

/** A deep copy, so callers can never change a store's record behind its back. */
export function copyRecord(record: KeyRecord): KeyRecord {
  return { ...record, scopes: [...record.scopes], ...(record.allowedIps ? { allowedIps: [...record.allowedIps] } : {}) };
}
