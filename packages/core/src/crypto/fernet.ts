// Fernet symmetric tokens (https://github.com/fernet/spec), interoperable with Python's cryptography.fernet.
import { createSecretKey, randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { BLOCK, FernetEngine, HEADER_BYTES, HMAC_BYTES, ROOM, VERSION } from './fernet-engine.js';
import { Scratch, utf8Room } from './scratch.js';
import { randomIv } from './random-iv.js';

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
  /** ROOM free bytes, then the token's `length` bytes. */
  frame: Buffer;
  length: number;
  timestamp: bigint;
}

/**
 * One Fernet key: the first 16 bytes sign (HMAC-SHA256), the last 16 encrypt (AES-128-CBC).
 * The key lives only in private fields and never appears in inspect, JSON or error output.
 */
export class Fernet {
  readonly #engine: FernetEngine;

  /**
   * @param key The 32-byte key as base64url text (Python's `Fernet.generate_key()` format, with or
   *   without its trailing `=`), or the 32 raw bytes.
   */
  constructor(key: string | Uint8Array) {
    const raw = typeof key === 'string' ? decodeBase64Url(key, 'optional') : key instanceof Uint8Array ? key : undefined;
    if (raw?.byteLength !== 32) {
      throw new TypeError('Fernet key must be 32 url-safe base64-encoded bytes (or 32 raw bytes); generate one with Fernet.generateKey()');
    }
    // Both halves are copied (into the HMAC pads and a KeyObject), so later changes to the caller's buffer cannot alter this key.
    this.#engine = new FernetEngine(raw.subarray(0, 16), createSecretKey(raw.subarray(16, 32)));
  }

  /** A new random key in Python's format (44 characters of base64url, ending in `=`). */
  static generateKey(): string {
    return encodeBase64Url(randomBytes(32));
  }

  /** Encrypts `data` (strings as UTF-8) into a token readable by any spec-compliant Fernet. */
  encrypt(data: string | Uint8Array, opts: FernetEncryptOptions = {}): string {
    const iv = opts.iv ?? randomIv();
    if (!(iv instanceof Uint8Array) || iv.byteLength !== BLOCK) throw new TypeError('Fernet IV must be 16 bytes');
    const seconds = unixSecondsNumber(opts.now);
    if (seconds < 0) throw new TypeError('Fernet `now` must not be before 1970');
    return this.#sealInput(plaintextInput(data), seconds, iv);
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
    this.verifyParts(parts);
    const seconds = Number(parts.timestamp);
    if (!Number.isSafeInteger(seconds)) throw new InvalidToken('Fernet token timestamp is out of range');
    return seconds;
  }

  /** @internal Used by MultiFernet to re-encrypt with a chosen timestamp. */
  encryptParts(plaintext: Uint8Array, timestamp: bigint, iv: Uint8Array): string {
    return this.#sealInput(plaintextInput(plaintext), timestamp, iv);
  }

  #sealInput(input: Buffer, seconds: number | bigint, iv: Uint8Array): string {
    try {
      return encodeToken(this.#engine.seal(input, seconds, iv));
    } finally {
      // The scratch outlives this call: leave no plaintext in it.
      input.fill(0);
    }
  }

  /** @internal Steps after decoding, so MultiFernet decodes once and tries each key. */
  decryptParts(parts: FernetTokenParts, opts: FernetDecryptOptions = {}): Buffer {
    checkTtl(parts, opts);
    this.verifyParts(parts);
    return unpad(this.#engine.decrypt(parts.frame, parts.length));
  }

  /** @internal Throws InvalidToken unless this key signed the token. */
  verifyParts(parts: FernetTokenParts): void {
    if (!this.#engine.verify(parts.frame, parts.length)) throw new InvalidToken('Fernet token signature does not match');
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

function checkTtl(parts: FernetTokenParts, opts: FernetDecryptOptions): void {
  if (opts.ttl === undefined) return;
  if (typeof opts.ttl !== 'number' || !Number.isFinite(opts.ttl) || opts.ttl < 0) {
    throw new TypeError('Fernet ttl must be a non-negative number of seconds');
  }
  const now = BigInt(unixSecondsNumber(opts.now));
  const ttl = BigInt(Math.floor(opts.ttl));
  if (parts.timestamp + ttl < now) throw new InvalidToken('Fernet token has expired');
  if (now + BigInt(MAX_CLOCK_SKEW_S) < parts.timestamp) throw new InvalidToken('Fernet token timestamp is in the future');
}

/** Removes PKCS#7 padding, checked by hand so the rule is exactly PKCS#7 and the error is always InvalidToken. */
function unpad(padded: Buffer): Buffer {
  const pad = padded[padded.length - 1]!;
  if (pad < 1 || pad > BLOCK) throw new InvalidToken('Fernet token padding is invalid');
  let bad = 0;
  for (let i = padded.length - pad; i < padded.length; i++) bad |= padded[i]! ^ pad;
  if (bad !== 0) throw new InvalidToken('Fernet token padding is invalid');
  return padded.subarray(0, padded.length - pad);
}

/** base64url with Python's '=' padding of a sealed token buffer (the bytes after ROOM). */
function encodeToken(frame: Buffer): string {
  const text = frame.toString('base64url', ROOM);
  const rem = text.length % 4;
  return rem === 0 ? text : rem === 2 ? text + '==' : text + '=';
}

/**
 * Decoding, version and length checks shared by Fernet and MultiFernet. The length rules are
 * stricter than Python's (which lets AES report them): a whole number of cipher blocks, at least one.
 * Only the canonical spelling is accepted (see {@link decodeBase64Url}): the bytes are decoded into
 * a buffer with ROOM free bytes in front (for the HMAC) and re-encoded, and the text must match.
 */
export function parseToken(token: string): FernetTokenParts {
  if (typeof token !== 'string') throw new InvalidToken('Fernet token must be a string');
  const size = token.length;
  const pads = size > 0 && token.charCodeAt(size - 1) === 61 ? (token.charCodeAt(size - 2) === 61 ? 2 : 1) : 0;
  const bodyLength = size - pads;
  const length = Math.floor((bodyLength * 3) / 4);
  if (size % 4 !== 0) throw new InvalidToken('Fernet token is not canonical base64url');
  if (length < MIN_TOKEN_BYTES) throw new InvalidToken('Fernet token is too short');
  if ((length - HEADER_BYTES - HMAC_BYTES) % BLOCK !== 0) {
    throw new InvalidToken('Fernet token ciphertext is not a whole number of blocks');
  }
  const frame = Buffer.allocUnsafe(ROOM + length);
  // Node's decoder skips characters outside the alphabet and accepts + and /: the re-encoding catches both.
  const written = frame.write(token, ROOM, length, 'base64url');
  // `===` on a slice, not startsWith: V8 compares flat strings with memcmp but startsWith char by char.
  if (written !== length || frame.toString('base64url', ROOM, ROOM + length) !== (pads === 0 ? token : token.slice(0, bodyLength))) {
    throw new InvalidToken('Fernet token is not canonical base64url');
  }
  if (frame[ROOM] !== VERSION) throw new InvalidToken('Fernet token version is not 0x80');
  return { frame, length, timestamp: frame.readBigUInt64BE(ROOM + 1) };
}

/** Cipher inputs: plaintext, wiped by #sealInput as soon as the token is made. */
const inputScratch = new Scratch();

/**
 * The cipher's input for `data`: 16 free bytes (the engine's chaining block), the plaintext, PKCS#7
 * padding. One buffer, written once: strings go straight in as UTF-8 without an intermediate copy.
 */
function plaintextInput(data: string | Uint8Array): Buffer {
  if (typeof data === 'string') {
    const input = inputScratch.take(BLOCK + utf8Room(data) + BLOCK);
    return padInput(input, input.write(data, BLOCK, 'utf8'));
  }
  if (!(data instanceof Uint8Array)) throw new TypeError('Fernet can only encrypt a string or a Uint8Array');
  const input = inputScratch.take(BLOCK + data.byteLength + BLOCK);
  input.set(data, BLOCK);
  return padInput(input, data.byteLength);
}

/** Pads the `n` plaintext bytes after the free block and returns the part of `input` to encrypt. */
function padInput(input: Buffer, n: number): Buffer {
  const pad = BLOCK - (n % BLOCK);
  const end = BLOCK + n + pad;
  input.fill(pad, BLOCK + n, end);
  return input.subarray(0, end);
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
