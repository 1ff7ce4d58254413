// Key rotation over several Fernet keys: encrypt with the newest, decrypt with any (Python's MultiFernet).
import { randomIv } from './random-iv.js';
import { decodeUtf8, Fernet, InvalidToken, parseToken, type FernetDecryptOptions, type FernetEncryptOptions, type FernetTokenParts } from './fernet.js';

/** Result of {@link MultiFernet.decryptWithIndex}. */
export interface MultiFernetDecryption {
  data: Uint8Array;
  /** Position of the key that opened the token in the list; above 0 means an older key (re-encrypt it). */
  keyIndex: number;
}

/** Several Fernet keys, newest first. Inspect and JSON output show only how many there are. */
export class MultiFernet {
  readonly #fernets: readonly Fernet[];

  /** @param fernets `[newest, ...older]`; at least one. */
  constructor(fernets: readonly Fernet[]) {
    if (!Array.isArray(fernets) || fernets.length === 0) {
      throw new TypeError('MultiFernet needs at least one Fernet instance, newest first');
    }
    if (!fernets.every((f) => f instanceof Fernet)) throw new TypeError('MultiFernet accepts only Fernet instances');
    this.#fernets = Object.freeze([...fernets]);
  }

  /** Number of keys, newest included. */
  get keyCount(): number {
    return this.#fernets.length;
  }

  /** Encrypts with the newest key. */
  encrypt(data: string | Uint8Array, opts?: FernetEncryptOptions): string {
    return this.#fernets[0]!.encrypt(data, opts);
  }

  /** Decrypts with the first key that verifies the token; throws {@link InvalidToken} if none does. */
  decrypt(token: string, opts?: FernetDecryptOptions): Uint8Array {
    return this.decryptWithIndex(token, opts).data;
  }

  /** {@link decrypt}, then strict UTF-8 decoding. */
  decryptText(token: string, opts?: FernetDecryptOptions): string {
    return decodeUtf8(this.decrypt(token, opts));
  }

  /** Like {@link decrypt}, and tells which key opened the token so stale tokens can be re-encrypted. */
  decryptWithIndex(token: string, opts?: FernetDecryptOptions): MultiFernetDecryption {
    return this.#open(parseToken(token), opts);
  }

  #open(parts: FernetTokenParts, opts?: FernetDecryptOptions): MultiFernetDecryption {
    for (let keyIndex = 0; keyIndex < this.#fernets.length; keyIndex++) {
      try {
        return { data: this.#fernets[keyIndex]!.decryptParts(parts, opts), keyIndex };
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
      }
    }
    throw new InvalidToken('Fernet token is not valid under any configured key');
  }

  /** Timestamp (Unix seconds) of a token that any configured key verifies. */
  extractTimestamp(token: string): number {
    for (const fernet of this.#fernets) {
      try {
        return fernet.extractTimestamp(token);
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
      }
    }
    throw new InvalidToken('Fernet token is not valid under any configured key');
  }

  /**
   * Re-encrypts a token under the newest key with a fresh IV, keeping its original timestamp (as
   * Python does), so a TTL still counts from when the data was first written. No TTL is applied.
   */
  rotate(token: string): string {
    const parts = parseToken(token);
    const { data } = this.#open(parts);
    return this.#fernets[0]!.encryptParts(data, parts.timestamp, randomIv());
  }

  get [Symbol.toStringTag](): string {
    return 'MultiFernet';
  }

  toJSON(): { type: 'MultiFernet'; keyCount: number } {
    return { type: 'MultiFernet', keyCount: this.#fernets.length };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `MultiFernet { keyCount: ${this.#fernets.length}, keys: [redacted] }`;
  }
}
