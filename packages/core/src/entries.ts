// Sealing and opening cache entries: which fields are Fernet tokens, legacy plaintext, re-encryption.
import type { CacheStore, StoredEntry } from './types.js';
import type { EntryCipher } from './crypto/index.js';

export type SealedField = 'request' | 'response' | 'context';
const FIELDS: readonly SealedField[] = ['request', 'response', 'context'];

/** Seals and opens entry fields with one cipher (or none: plaintext, development only). */
export class EntryCodec {
  readonly #cipher: EntryCipher | undefined;

  constructor(cipher: EntryCipher | undefined) {
    this.#cipher = cipher;
  }

  get encrypting(): boolean {
    return this.#cipher !== undefined;
  }

  /** The sensitive fields of a new entry, encrypted under the newest key. */
  seal(fields: { request: string; response: string; context?: string }): Pick<StoredEntry, 'enc' | 'request' | 'response' | 'context'> {
    const cipher = this.#cipher;
    if (!cipher) return { enc: [], ...fields };
    const out: Pick<StoredEntry, 'enc' | 'request' | 'response' | 'context'> = {
      enc: ['request', 'response'], request: cipher.encrypt(fields.request), response: cipher.encrypt(fields.response),
    };
    if (fields.context !== undefined) {
      out.context = cipher.encrypt(fields.context);
      out.enc.push('context');
    }
    return out;
  }

  /**
   * Plaintext of one field. `stale` is true when the entry should be rewritten: a legacy plaintext
   * field while encryption is on, or a token under an older key. Throws on any integrity failure.
   */
  open(entry: StoredEntry, field: SealedField): { text: string; stale: boolean } {
    const value = entry[field] ?? '';
    if (!Array.isArray(entry.enc)) throw new Error('entry has no field list');
    if (!entry.enc.includes(field)) return { text: value, stale: this.#cipher !== undefined && entry[field] !== undefined };
    if (!this.#cipher) throw new Error('encrypted entry but no encryption configured');
    return this.#cipher.decrypt(value);
  }

  /** True when any field is plaintext or under an older key (throws on an integrity failure). */
  isStale(entry: StoredEntry): boolean {
    return FIELDS.some((field) => entry[field] !== undefined && this.open(entry, field).stale);
  }

  /** The same entry with every field under the newest key. Throws on an integrity failure. */
  reseal(entry: StoredEntry): StoredEntry {
    const cipher = this.#cipher;
    if (!cipher) return entry;
    const next: StoredEntry = { ...entry, enc: [] };
    for (const field of FIELDS) {
      if (entry[field] === undefined) continue;
      next[field] = cipher.encrypt(this.open(entry, field).text);
      next.enc.push(field);
    }
    return next;
  }
}

/** Writes an entry back under the newest key, keeping its remaining lifetime; false when it expired. */
export async function rewriteEntry(cache: CacheStore, key: string, entry: StoredEntry, codec: EntryCodec, now = Date.now()): Promise<boolean> {
  const ttl = entry.expiresAt - now;
  if (ttl <= 0) return false;
  await cache.set(key, codec.reseal(entry), ttl);
  return true;
}
