// API key format `vc_<env>_<random><checksum>`: generation, strict parsing, hashing and display hints.
import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from './crc32.js';

export { crc32 };

/** The base62 alphabet, digits first (as GitHub's token format). */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Key prefix, so secret scanners can recognise a Vectorcache key. */
export const KEY_PREFIX = 'vc_';
/** Base62 characters of randomness in a key: 32 × log2(62) ≈ 190 bits. */
export const RANDOM_LENGTH = 32;
/** Base62 characters of checksum: CRC32 (2^32) fits in 6 base62 digits (62^6 ≈ 5.7 × 10^10). */
export const CHECKSUM_LENGTH = 6;
/** Environment names: lowercase, a letter first, 2–16 characters (dev, staging, prod, custom). */
export const ENVIRONMENT_PATTERN = /^[a-z][a-z0-9]{1,15}$/;
/** Longest possible key; anything longer is rejected before any other work. */
export const MAX_KEY_LENGTH = KEY_PREFIX.length + 16 + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;

export interface GeneratedApiKey {
  /** The plaintext key: show it once, never store it. */
  key: string;
  /** Hex SHA-256 of the key: what stores keep. */
  hash: string;
  /** Display hint such as `vc_prod_ab12…wxyz`. */
  hint: string;
  environment: string;
}

export interface ParsedApiKey {
  environment: string;
  random: string;
  checksum: string;
}

const BASE62_CODES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62.length; i++) BASE62_CODES[BASE62.charCodeAt(i)] = i;

// 248 = 4 × 62: bytes at or above it are dropped so every character is equally likely (no modulo bias).
const REJECT_FROM = 248;

/** `length` uniformly random base62 characters from the CSPRNG, by rejection sampling. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Ask for a little more than needed: about 3 % of bytes are rejected.
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 4);
    for (const byte of bytes) {
      if (byte >= REJECT_FROM) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * Checksum of `vc_<env>_<random>`: CRC-32 written as 6 base62 digits, left-padded with `0`.
 * CRC-32 catches every single-character substitution (any error confined to 32 bits), which a
 * truncated hash would only catch with high probability; it is not a secret and not a MAC.
 */
export function keyChecksum(environment: string, random: string): string {
  let value = crc32(`${KEY_PREFIX}${environment}_${random}`);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** True when `environment` is a valid environment name (`dev`, `staging`, `prod`, custom lowercase). */
export function isValidEnvironment(environment: unknown): environment is string {
  return typeof environment === 'string' && ENVIRONMENT_PATTERN.test(environment);
}

/** Mints a new key for `environment`; throws a TypeError for an invalid environment name. */
export function generateApiKey(environment: string): GeneratedApiKey {
  if (!isValidEnvironment(environment)) {
    throw new TypeError(
      'vectorcache: an API key environment must be lowercase letters and digits, starting with a letter, 2–16 characters (e.g. "dev", "staging", "prod")',
    );
  }
  const random = randomBase62(RANDOM_LENGTH);
  const key = `${KEY_PREFIX}${environment}_${random}${keyChecksum(environment, random)}`;
  return { key, hash: hashApiKey(key), hint: keyHint(key), environment };
}

/**
 * Splits a presented key into its parts, or null when it is not a well-formed key: wrong prefix,
 * bad environment, wrong length or alphabet, or a checksum that does not match. Never throws;
 * linear in the input, which is capped at MAX_KEY_LENGTH before anything else.
 */
export function parseApiKey(text: string): ParsedApiKey | null {
  if (typeof text !== 'string' || text.length > MAX_KEY_LENGTH || !text.startsWith(KEY_PREFIX)) return null;
  const separator = text.indexOf('_', KEY_PREFIX.length);
  if (separator < 0) return null;
  const environment = text.slice(KEY_PREFIX.length, separator);
  if (!ENVIRONMENT_PATTERN.test(environment)) return null;
  const body = text.slice(separator + 1);
  if (body.length !== RANDOM_LENGTH + CHECKSUM_LENGTH) return null;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code >= 128 || BASE62_CODES[code] === -1) return null;
  }
  const random = body.slice(0, RANDOM_LENGTH);
  const checksum = body.slice(RANDOM_LENGTH);
  if (keyChecksum(environment, random) !== checksum) return null;
  return { environment, random, checksum };
}

/** Hex SHA-256 of the full key: the only form in which a key is stored. */
export function hashApiKey(key: string): string {
  // One-shot hashing (Node ≥ 20.12) skips building a Hash object on every request.
  return oneShotHash ? oneShotHash('sha256', key, 'hex') : createHash('sha256').update(key, 'utf8').digest('hex');
}

const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * Display hint `vc_<env>_<first 4>…<last 4>`: enough to recognise a key, far too little to use it.
 * Text that is not a key gets a hint that reveals nothing of it.
 */
export function keyHint(key: string): string {
  const parsed = parseApiKey(key);
  if (!parsed) return 'vc_…';
  return `${KEY_PREFIX}${parsed.environment}_${parsed.random.slice(0, 4)}…${parsed.checksum.slice(-4)}`;
}
