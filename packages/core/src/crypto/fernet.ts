// Fernet symmetric tokens (https://github.com/fernet/spec), interoperable with Python's cryptography.fernet.
import { randomIv } from './random-iv.js';
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16; // version, timestamp, IV
const HMAC_BYTES = 32;
const BLOCK = 16;
const MIN_TOKEN_BYTES = HEADER_BYTES + BLOCK + HMAC_BYTES;
/** Tokens stamped further than this ahead of `now` are refused when a TTL is checked (spec vectors). */
const MAX_CLOCK_SKEW_S = 60;
const REDACTED = '[redacted]';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Any token that cannot be verified and decrypted. The message says which step failed but never
 * carries key material, plaintext or the token itself, so it is safe to log.
 */
export class InvalidToken extends Error {
  constructor(message = 'invalid Fernet token') {
    super(message);
    this.name = 'InvalidToken';
  }
}

/** Options of {@link Fernet.encrypt}. */
export interface FernetEncryptOptions {
  /** 16-byte IV; only for reproducible test vectors, never reuse one in production. Defaults to 16 random bytes. */
  iv?: Uint8Array;
  /** Time written into the token. Defaults to the current time. */
  now?: Date;
}

/** Options of {@link Fernet.decrypt}. */
export interface FernetDecryptOptions {
  /** Maximum token age in seconds; also refuses tokens stamped more than 60 s in the future. Defaults to no age limit. */
  ttl?: number;
  /** Time the TTL is measured against. Defaults to the current time. */
  now?: Date;
}

/** A token's parts after decoding and version check; the signature is not verified yet. */
export interface FernetTokenParts {
  bytes: Buffer;
  timestamp: bigint;
}

/**
 * One Fernet key: the first 16 bytes sign (HMAC-SHA256), the last 16 encrypt (AES-128-CBC).
 * The key lives only in private fields and never appears in inspect, JSON or error output.
 */
export class Fernet {
  readonly #signingKey: KeyObject;
  readonly #encryptionKey: KeyObject;

  /**
   * @param key The 32-byte key as base64url text (Python's `Fernet.generate_key()` format, with or
   *   without its trailing `=`), or the 32 raw bytes.
   */
  constructor(key: string | Uint8Array) {
    const raw = typeof key === 'string' ? decodeBase64Url(key, 'optional') : key instanceof Uint8Array ? key : undefined;
    if (raw?.byteLength !== 32) {
      throw new TypeError('Fernet key must be 32 url-safe base64-encoded bytes (or 32 raw bytes); generate one with Fernet.generateKey()');
    }
    // createSecretKey copies the bytes, so later changes to the caller's buffer cannot alter this key.
    this.#signingKey = createSecretKey(raw.subarray(0, 16));
    this.#encryptionKey = createSecretKey(raw.subarray(16, 32));
  }

  /** A new random key in Python's format (44 characters of base64url, ending in `=`). */
  static generateKey(): string {
    return encodeBase64Url(randomBytes(32));
  }

  /** Encrypts `data` (strings as UTF-8) into a token readable by any spec-compliant Fernet. */
  encrypt(data: string | Uint8Array, opts: FernetEncryptOptions = {}): string {
    const plaintext = toBytes(data);
    const iv = opts.iv ?? randomIv();
    if (!(iv instanceof Uint8Array) || iv.byteLength !== BLOCK) throw new TypeError('Fernet IV must be 16 bytes');
    return this.encryptParts(plaintext, unixSeconds(opts.now), iv);
  }

  /**
   * Verifies and decrypts a token: decode, version, TTL and clock skew (only when `ttl` is given,
   * as in Python), constant-time HMAC, decrypt, unpad. Throws {@link InvalidToken} on any failure.
   */
  decrypt(token: string, opts: FernetDecryptOptions = {}): Uint8Array {
    return this.decryptParts(parseToken(token), opts);
  }

  /** {@link decrypt}, then UTF-8 decoding; a plaintext that is not valid UTF-8 is an {@link InvalidToken}. */
  decryptText(token: string, opts: FernetDecryptOptions = {}): string {
    return decodeUtf8(this.decrypt(token, opts));
  }

  /** The token's timestamp in Unix seconds, after its signature is verified (like Python's `extract_timestamp`). */
  extractTimestamp(token: string): number {
    const parts = parseToken(token);
    this.verifySignature(parts.bytes);
    const seconds = Number(parts.timestamp);
    if (!Number.isSafeInteger(seconds)) throw new InvalidToken('Fernet token timestamp is out of range');
    return seconds;
  }

  /** @internal Used by MultiFernet to re-encrypt with a chosen timestamp. */
  encryptParts(plaintext: Uint8Array, timestamp: bigint, iv: Uint8Array): string {
    const cipher = createCipheriv('aes-128-cbc', this.#encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const token = Buffer.allocUnsafe(HEADER_BYTES + ciphertext.length + HMAC_BYTES);
    token[0] = VERSION;
    token.writeBigUInt64BE(timestamp, 1);
    token.set(iv, 9);
    ciphertext.copy(token, HEADER_BYTES);
    const signed = token.subarray(0, token.length - HMAC_BYTES);
    createHmac('sha256', this.#signingKey).update(signed).digest().copy(token, signed.length);
    return encodeBase64Url(token);
  }

  /** @internal Steps after decoding, so MultiFernet decodes once and tries each key. */
  decryptParts(parts: FernetTokenParts, opts: FernetDecryptOptions = {}): Buffer {
    if (opts.ttl !== undefined) {
      if (typeof opts.ttl !== 'number' || !Number.isFinite(opts.ttl) || opts.ttl < 0) {
        throw new TypeError('Fernet ttl must be a non-negative number of seconds');
      }
      const now = BigInt(unixSecondsNumber(opts.now));
      const ttl = BigInt(Math.floor(opts.ttl));
      if (parts.timestamp + ttl < now) throw new InvalidToken('Fernet token has expired');
      if (now + BigInt(MAX_CLOCK_SKEW_S) < parts.timestamp) throw new InvalidToken('Fernet token timestamp is in the future');
    }
    this.verifySignature(parts.bytes);
    const bytes = parts.bytes;
    const iv = bytes.subarray(9, HEADER_BYTES);
    const ciphertext = bytes.subarray(HEADER_BYTES, bytes.length - HMAC_BYTES);
    const decipher = createDecipheriv('aes-128-cbc', this.#encryptionKey, iv);
    // Padding is checked by hand so the rule is exactly PKCS#7 and the error is always InvalidToken.
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    const pad = padded[padded.length - 1]!;
    if (pad < 1 || pad > BLOCK) throw new InvalidToken('Fernet token padding is invalid');
    let bad = 0;
    for (let i = padded.length - pad; i < padded.length; i++) bad |= padded[i]! ^ pad;
    if (bad !== 0) throw new InvalidToken('Fernet token padding is invalid');
    return padded.subarray(0, padded.length - pad);
  }

  private verifySignature(bytes: Buffer): void {
    const signed = bytes.subarray(0, bytes.length - HMAC_BYTES);
    const expected = createHmac('sha256', this.#signingKey).update(signed).digest();
    if (!timingSafeEqual(expected, bytes.subarray(bytes.length - HMAC_BYTES))) {
      throw new InvalidToken('Fernet token signature does not match');
    }
  }

  get [Symbol.toStringTag](): string {
    return 'Fernet';
  }

  toJSON(): { type: 'Fernet'; key: string } {
    return { type: 'Fernet', key: REDACTED };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Fernet { key: ${REDACTED} }`;
  }
}

/**
 * Decoding, version and length checks shared by Fernet and MultiFernet. The length rules are
 * stricter than Python's (which lets AES report them): a whole number of cipher blocks, at least one.
 */
export function parseToken(token: string): FernetTokenParts {
  if (typeof token !== 'string') throw new InvalidToken('Fernet token must be a string');
  const bytes = decodeBase64Url(token);
  if (!bytes) throw new InvalidToken('Fernet token is not canonical base64url');
  if (bytes.length < 1 || bytes[0] !== VERSION) throw new InvalidToken('Fernet token version is not 0x80');
  if (bytes.length < MIN_TOKEN_BYTES) throw new InvalidToken('Fernet token is too short');
  if ((bytes.length - HEADER_BYTES - HMAC_BYTES) % BLOCK !== 0) {
    throw new InvalidToken('Fernet token ciphertext is not a whole number of blocks');
  }
  return { bytes, timestamp: bytes.readBigUInt64BE(1) };
}

function toBytes(data: string | Uint8Array): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError('Fernet can only encrypt a string or a Uint8Array');
}

/** UTF-8 decoding that refuses malformed bytes instead of inventing U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new InvalidToken('Fernet token plaintext is not valid UTF-8');
  }
}

function unixSecondsNumber(now: Date | undefined): number {
  const ms = now === undefined ? Date.now() : now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new TypeError('Fernet `now` must be a valid Date');
  return Math.floor(ms / 1000);
}

function unixSeconds(now: Date | undefined): bigint {
  const seconds = unixSecondsNumber(now);
  if (seconds < 0) throw new TypeError('Fernet `now` must not be before 1970');
  return BigInt(seconds);
}
