// Encryption-at-rest settings for cache entries: option validation and the start-up key derivation.
import { closest } from '../suggest.js';
import { hkdf } from 'node:crypto';
import { optionError } from '../errors.js';
import { DEFAULT_PBKDF2_ITERATIONS, deriveFernetKeyBytes } from './derive.js';
import { decodeUtf8, Fernet } from './fernet.js';
import { MultiFernet } from './multi-fernet.js';
import { decodeBase64Url } from './base64url.js';

/** Salt used when none is configured: fixed per product, so instances sharing a store and a secret agree. */
export const DEFAULT_ENCRYPTION_SALT = 'vectorcache-guard/v1';
const INDEX_INFO = 'vectorcache/index';
const MIN_SECRET_LENGTH = 32;
const MAX_ITERATIONS = 100_000_000;
const REDACTED = '[redacted]';

/** How cache entries are encrypted at rest (Fernet). Give a `secret` (usual) or a raw `key`. */
export interface EncryptionOptions {
  /** Secret of ≥ 32 characters (e.g. `openssl rand -hex 32`), or omit and pass `key`. Defaults to none (one of `secret`/`key` is required). */
  secret?: string;
  /** PBKDF2 salt; instances that share a store must share it. Defaults to the product constant 'vectorcache-guard/v1'. */
  salt?: string;
  /** Older secrets still accepted for decryption during rotation, newest first. Defaults to none. */
  previousSecrets?: string[];
  /** A raw Fernet key (base64url, 32 bytes) instead of a secret, e.g. shared with a Python service. Defaults to none. */
  key?: string;
  /** Older raw Fernet keys still accepted for decryption, newest first; tried after `previousSecrets`. Defaults to none. */
  previousKeys?: string[];
  /** PBKDF2 iterations. Defaults to 100_000. */
  iterations?: number;
  /**
   * Secret for the HMAC that names cache entries and hashes subjects; must stay stable across
   * rotations. Defaults to the oldest configured secret/key: when you drop that secret from
   * `previousSecrets`, set `indexSecret` to it and entry names stay the same.
   */
  indexSecret?: string;
}

/** A doubtful but accepted setting, reported once at start-up. */
export interface EncryptionWarning {
  code:
    | 'VC_ENCRYPTION_SHORT_SECRET'
    | 'VC_ENCRYPTION_SECRET_WHITESPACE'
    | 'VC_ENCRYPTION_LOW_ITERATIONS'
    | 'VC_ENCRYPTION_DUPLICATE_KEY'
    | 'VC_ENCRYPTION_INDEX_FROM_OLDEST';
  /** Dotted option path, e.g. `encryption.secret`. */
  option: string;
  message: string;
}

/** Where the options come from and how to report warnings. */
export interface EncryptionValidationContext {
  /** The guard's environment; `prod` refuses short secrets. */
  environment: string;
  /** Option path used in messages. Defaults to 'encryption'. */
  option?: string;
  /** Receives warnings. Defaults to `process.emitWarning`, once per code. */
  warn?: (warning: EncryptionWarning) => void;
}

/** What the cache uses to seal entries; created once at start-up by {@link createEntryCipher}. */
export interface EntryCipher {
  /** A Fernet token under the newest key. */
  encrypt(plaintext: string): string;
  /** Throws InvalidToken; `stale` means an older key opened it, so the entry should be re-encrypted. */
  decrypt(token: string): { text: string; stale: boolean };
  /** HMAC-SHA256 key for cache-entry names and subject hashes (HKDF from indexSecret/oldest secret, info 'vectorcache/index'). A copy on each read. */
  readonly indexKey: Buffer;
  /** Number of keys that can decrypt, the newest included. */
  readonly keyCount: number;
}

const KNOWN_OPTIONS = ['secret', 'salt', 'previousSecrets', 'key', 'previousKeys', 'iterations', 'indexSecret'] as const;
const emittedDefaultWarnings = new Set<string>();

function defaultWarn(warning: EncryptionWarning): void {
  if (emittedDefaultWarnings.has(warning.code)) return;
  emittedDefaultWarnings.add(warning.code);
  process.emitWarning(warning.message, { code: warning.code });
}

/**
 * Checks encryption options once, at construction, and returns them with defaults filled in.
 * Misuse throws an option error naming the exact option (`encryption.previousSecrets[1]`) and the
 * fix; doubtful settings go to `ctx.warn`. Messages never contain a secret or a key.
 */
interface Checking { prod: boolean; warn: (w: EncryptionWarning) => void }

function checkSecret(option: string, secret: unknown, live: boolean, c: Checking): string {
  if (typeof secret !== 'string') throw optionError(option, `must be a string (got ${describe(secret)})`);
  if (secret.length === 0) {
    throw optionError(option, 'is empty; is the environment variable (e.g. VECTORCACHE_ENCRYPTION_SECRET) set? Generate one with `openssl rand -hex 32`');
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    if (c.prod && live) {
      throw optionError(option, `is shorter than ${MIN_SECRET_LENGTH} characters, which is refused in prod; use \`openssl rand -hex 32\``);
    }
    c.warn({
      code: 'VC_ENCRYPTION_SHORT_SECRET',
      option,
      message: `${option} is shorter than ${MIN_SECRET_LENGTH} characters; use \`openssl rand -hex 32\` (refused in prod)`,
    });
  }
  if (secret.trim() !== secret) {
    c.warn({
      code: 'VC_ENCRYPTION_SECRET_WHITESPACE',
      option,
      message: `${option} starts or ends with whitespace (a stray newline from a file?); instances that trim it will derive a different key`,
    });
  }
  return secret;
}

function checkKey(option: string, key: unknown): string {
  if (typeof key !== 'string') throw optionError(option, `must be a string (got ${describe(key)})`);
  const raw = decodeBase64Url(key, 'optional');
  if (raw?.length !== 32) {
    throw optionError(
      option,
      'must be a Fernet key: 32 bytes in url-safe base64 (44 characters ending in "="), e.g. from `Fernet.generateKey()` or Python\'s `Fernet.generate_key()`',
    );
  }
  return key;
}

function checkList<T>(option: string, list: unknown, check: (option: string, item: unknown) => T): T[] {
  if (!Array.isArray(list)) throw optionError(option, `must be an array, newest first (got ${describe(list)})`);
  return list.map((item, i) => check(`${option}[${i}]`, item));
}

/** The given fields, unknown ones refused with a suggestion, undefined ones dropped. */
function knownFields(value: unknown, base: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(base, 'must be an object such as `{ secret: process.env.VECTORCACHE_ENCRYPTION_SECRET }`');
  }
  const input: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      const guess = suggest(key, KNOWN_OPTIONS);
      throw optionError(`${base}.${key}`, `is not a known option.${guess ? ` Did you mean \`${guess}\`?` : ''} Known options: ${KNOWN_OPTIONS.join(', ')}`);
    }
    if (v !== undefined) input[key] = v;
  }
  return input;
}

function checkIterations(option: string, value: unknown, c: Checking): number {
  if (value === undefined) return DEFAULT_PBKDF2_ITERATIONS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_ITERATIONS) {
    throw optionError(option, `must be an integer from 1 to ${MAX_ITERATIONS} (got ${describe(value)}); the default 100000 suits most servers`);
  }
  if (value < DEFAULT_PBKDF2_ITERATIONS) {
    c.warn({ code: 'VC_ENCRYPTION_LOW_ITERATIONS', option, message: `${option} is below ${DEFAULT_PBKDF2_ITERATIONS}, which makes a leaked store cheaper to brute-force` });
  }
  return value;
}

function checkSalt(option: string, value: unknown): string {
  if (value === undefined) return DEFAULT_ENCRYPTION_SALT;
  if (typeof value !== 'string' || value.length === 0) {
    throw optionError(option, `must be a non-empty string; instances sharing a store must use the same salt (got ${describe(value)})`);
  }
  return value;
}

/** Warnings about the key set as a whole: duplicates, and entry names that hang on the oldest key. */
function checkKeySet(out: EncryptionOptions, base: string, c: Checking): void {
  const all = [out.secret, out.key, ...(out.previousSecrets ?? []), ...(out.previousKeys ?? [])].filter((s): s is string => s !== undefined);
  if (new Set(all).size !== all.length) {
    c.warn({ code: 'VC_ENCRYPTION_DUPLICATE_KEY', option: base, message: `${base} lists the same secret or key more than once` });
  }
  if (all.length > 1 && out.indexSecret === undefined) {
    c.warn({
      code: 'VC_ENCRYPTION_INDEX_FROM_OLDEST',
      option: `${base}.indexSecret`,
      message: `${base}.indexSecret is not set, so cache entry names derive from the oldest secret/key; set indexSecret to that value before removing it, or every entry becomes unreachable`,
    });
  }
}

export function validateEncryptionOptions(value: unknown, ctx: EncryptionValidationContext): EncryptionOptions {
  const base = ctx.option ?? 'encryption';
  const c: Checking = { prod: ctx.environment === 'prod', warn: ctx.warn ?? defaultWarn };
  const name = (key: string): string => `${base}.${key}`;
  const input = knownFields(value, base);
  if (input.secret !== undefined && input.key !== undefined) {
    throw optionError(base, 'takes either `secret` or `key`, not both; move the older one to `previousSecrets` / `previousKeys`');
  }
  if (input.secret === undefined && input.key === undefined) {
    throw optionError(
      name('secret'),
      'is required: set it to a random string of at least 32 characters (e.g. `openssl rand -hex 32`, or VECTORCACHE_ENCRYPTION_SECRET), or pass a Fernet `key` instead',
    );
  }
  const out: EncryptionOptions = {};
  if (input.secret !== undefined) out.secret = checkSecret(name('secret'), input.secret, true, c);
  if (input.key !== undefined) out.key = checkKey(name('key'), input.key);
  out.salt = checkSalt(name('salt'), input.salt);
  // Older secrets only decrypt existing entries, so a short one is a warning even in prod.
  out.previousSecrets = input.previousSecrets === undefined ? [] : checkList(name('previousSecrets'), input.previousSecrets, (o, s) => checkSecret(o, s, false, c));
  out.previousKeys = input.previousKeys === undefined ? [] : checkList(name('previousKeys'), input.previousKeys, checkKey);
  out.iterations = checkIterations(name('iterations'), input.iterations, c);
  if (input.indexSecret !== undefined) out.indexSecret = checkSecret(name('indexSecret'), input.indexSecret, true, c);
  checkKeySet(out, base, c);
  return out;
}

/**
 * Derives every key once (PBKDF2 per secret, in parallel on the thread pool) and returns the
 * cipher the cache uses per request without further key work. Options are validated again
 * (structure only; pass `ctx` for environment rules and warnings).
 */
export async function createEntryCipher(options: EncryptionOptions, ctx: EncryptionValidationContext = { environment: 'dev', warn: () => {} }): Promise<EntryCipher> {
  const opts = validateEncryptionOptions(options, ctx);
  const salt = opts.salt ?? DEFAULT_ENCRYPTION_SALT;
  const iterations = opts.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  const fromSecret = (secret: string): Promise<Buffer> => deriveFernetKeyBytes(secret, salt, { iterations });
  const fromKey = (key: string): Buffer => decodeBase64Url(key, 'optional')!;

  const sources: Array<Promise<Buffer> | Buffer> = [
    ...(opts.secret !== undefined ? [fromSecret(opts.secret)] : [fromKey(opts.key!)]),
    ...(opts.previousSecrets ?? []).map(fromSecret),
    ...(opts.previousKeys ?? []).map(fromKey),
  ];
  const [keys, indexSecretKey] = await Promise.all([
    Promise.all(sources),
    opts.indexSecret !== undefined ? fromSecret(opts.indexSecret) : undefined,
  ]);
  // Same derivation as the default, so `indexSecret: <oldest secret>` keeps entry names unchanged.
  const indexIkm = indexSecretKey ?? keys[keys.length - 1]!;
  const indexKey = Buffer.from(await hkdfAsync(indexIkm, Buffer.from(salt, 'utf8'), INDEX_INFO));
  const multi = new MultiFernet(keys.map((k) => new Fernet(k)));
  for (const k of keys) k.fill(0);
  indexSecretKey?.fill(0);
  return new FernetEntryCipher(multi, indexKey);
}

class FernetEntryCipher implements EntryCipher {
  readonly #multi: MultiFernet;
  readonly #indexKey: Buffer;

  constructor(multi: MultiFernet, indexKey: Buffer) {
    this.#multi = multi;
    this.#indexKey = indexKey;
  }

  encrypt(plaintext: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('EntryCipher.encrypt expects a string');
    return this.#multi.encrypt(plaintext);
  }

  decrypt(token: string): { text: string; stale: boolean } {
    const { data, keyIndex } = this.#multi.decryptWithIndex(token);
    return { text: decodeUtf8(data), stale: keyIndex > 0 };
  }

  get indexKey(): Buffer {
    return Buffer.from(this.#indexKey);
  }

  get keyCount(): number {
    return this.#multi.keyCount;
  }

  get [Symbol.toStringTag](): string {
    return 'EntryCipher';
  }

  toJSON(): { type: 'EntryCipher'; keyCount: number } {
    return { type: 'EntryCipher', keyCount: this.keyCount };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `EntryCipher { keyCount: ${this.keyCount}, keys: ${REDACTED}, indexKey: ${REDACTED} }`;
  }
}

function hkdfAsync(ikm: Uint8Array, salt: Uint8Array, info: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    hkdf('sha256', ikm, salt, info, 32, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Type and size only; the value itself may be a secret. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'a non-finite number';
  return typeof value;
}

/** The closest known name within two edits, for "Did you mean …?". */
function suggest(input: string, known: readonly string[]): string | undefined {
  return closest(input, known, 2);
}
