// Verifies a presented API key: format, environment, hashed lookup, constant-time compare, revocation, expiry.
import { timingSafeEqual } from 'node:crypto';
import { optionError } from '../errors.js';
import type { DenyCode, KeyRecord, KeyStore } from '../types.js';
import { hashApiKey, isValidEnvironment, keyHint, parseApiKey } from './format.js';

/** The denial codes a key check can end in (a subset of the gate's codes, so they stay in step). */
export type KeyFailureCode = Extract<
  DenyCode,
  'missing_api_key' | 'malformed_api_key' | 'invalid_api_key' | 'wrong_environment' | 'key_revoked' | 'key_expired' | 'key_store_unavailable'
>;

export type KeyCheck =
  | { ok: true; record: KeyRecord }
  | {
      ok: false;
      code: KeyFailureCode;
      /** The stored record when the key was found (for the event's key id and hint). */
      record?: KeyRecord;
      /** keyHint of the presented key when it parsed. */
      hint?: string;
    };

export interface KeyVerifierOptions {
  /** The guard's environment; keys of any other environment fail with `wrong_environment`. */
  environment: string;
}

export interface KeyVerifier {
  /** Checks `presented` at `now` (epoch ms). Never throws: a failing store gives `key_store_unavailable`. */
  verify(presented: string | undefined, now: number): Promise<KeyCheck>;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** True when an ISO timestamp is at or before `now`; an unreadable timestamp counts as passed (fail closed). */
function isPast(iso: string, now: number): boolean {
  const at = Date.parse(iso);
  return Number.isNaN(at) || at <= now;
}

/**
 * Builds the key check the gate runs per request. The order matters: checks that need no store
 * (format, environment) come first, so garbage and keys of other environments never reach it.
 */
export function createKeyVerifier(store: KeyStore, options: KeyVerifierOptions): KeyVerifier {
  if (!store || typeof store.findByHash !== 'function') throw optionError('keys', 'must be a KeyStore (MemoryKeyStore, FileKeyStore, RedisKeyStore…)');
  const environment = options?.environment;
  if (!isValidEnvironment(environment)) {
    throw optionError('environment', 'must be lowercase letters and digits, starting with a letter, 2–16 characters (e.g. "dev", "staging", "prod")');
  }

  return {
    async verify(presented, now) {
      if (presented === undefined || presented === '') return { ok: false, code: 'missing_api_key' };
      const parsed = parseApiKey(presented);
      if (!parsed) return { ok: false, code: 'malformed_api_key' };
      // The hint is only for failure reports; the success path does not need to build it.
      if (parsed.environment !== environment) return { ok: false, code: 'wrong_environment', hint: keyHint(presented) };

      const hash = hashApiKey(presented);
      let record: KeyRecord | undefined;
      try {
        record = await store.findByHash(hash);
      } catch {
        return { ok: false, code: 'key_store_unavailable', hint: keyHint(presented) };
      }
      if (!record || typeof record.hash !== 'string' || !HEX_SHA256.test(record.hash)) {
        return { ok: false, code: 'invalid_api_key', hint: keyHint(presented) };
      }
      // A store keyed by hash already matched; comparing again in constant time guards against a
      // store that matches loosely (prefix, case) and keeps timing independent of the stored value.
      if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) {
        return { ok: false, code: 'invalid_api_key', hint: keyHint(presented) };
      }
      if (record.revokedAt) return { ok: false, code: 'key_revoked', record, hint: record.hint };
      if (record.expiresAt && isPast(record.expiresAt, now)) return { ok: false, code: 'key_expired', record, hint: record.hint };
      if (record.environment !== environment) return { ok: false, code: 'wrong_environment', record, hint: record.hint };
      return { ok: true, record };
    },
  };
}
