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

  /** A Fernet token of any text under the newest key (e.g. a tenant's upstream key). Throws when not encrypting. */
  encryptText(text: string): string {
    if (!this.#cipher) throw new Error('vectorcache: encryption is not configured');
    return this.#cipher.encrypt(text);
  }

  /** Opens a token from {@link encryptText}; `stale` when an older key opened it. Throws on an invalid token. */
  decryptText(token: string): { text: string; stale: boolean } {
    if (!this.#cipher) throw new Error('vectorcache: encryption is not configured');
    return this.#cipher.decrypt(token);
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
  const resealed = codec.reseal(entry);
  // Re-read just before writing: an entry erased or replaced meanwhile must not come back.
  const current = await cache.get(key);
  if (!current || current.createdAt !== entry.createdAt || current.response !== entry.response) return false;
  await cache.set(key, resealed, ttl);
  return true;
}

/** Counts of a {@link rotateStore} run, also passed to `onProgress` after every batch. */
export interface RotationProgress {
  /** Entries looked at. */
  scanned: number;
  /** Entries written back under the newest key. */
  rewritten: number;
  /** Entries already under the newest key, expired, or changed by someone else during the run. */
  skipped: number;
  /** Entries no configured key can open (tampered, truncated, or from an unknown key); left in place. */
  failed: number;
}

export interface RotateStoreOptions {
  /** Entries read before their rewrites are written and progress is reported. Defaults to 100. */
  batchSize?: number;
  /** Called after every batch with the counts so far. Defaults to none. */
  onProgress?: (progress: RotationProgress) => void;
  /** Stops the walk between batches; the promise then rejects with the signal's reason. Defaults to none. */
  signal?: AbortSignal;
}

const MAX_BATCH = 10_000;

/**
 * Re-encrypts every stale entry of a store (legacy plaintext, or a token under an older key) under
 * the codec's newest key, keeping each entry's remaining lifetime. Safe to interrupt and to rerun.
 * Store failures reject the promise (the counts so far went to `onProgress`).
 *
 * Why a crash never loses an entry: each rewrite is one `cache.set` of a complete entry, and every
 * store writes an entry atomically (one Redis SET inside a Lua script; one map assignment in memory).
 * So at any instant an entry is either the old version, whose fields the old key still opens, or the
 * new one, which the newest key opens; the guards keep both keys until the rotation is done. There
 * is no half-written entry, and nothing is deleted before its replacement exists.
 *
 * Undecryptable entries are counted as `failed` and left alone: the gate deletes them (with a
 * `cache.integrity_failure` event) when it next reads them, and a rotation run with a missing
 * previous secret must not destroy entries that the right key would still open.
 */
export async function rotateStore(cache: CacheStore, codec: EntryCodec, options: RotateStoreOptions = {}): Promise<RotationProgress> {
  if (!(codec instanceof EntryCodec) || !codec.encrypting) throw new TypeError('vectorcache: rotateStore needs an EntryCodec with encryption configured');
  const batchSize = options.batchSize ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw new TypeError(`vectorcache: rotateStore batchSize must be an integer from 1 to ${MAX_BATCH}`);
  }
  const { onProgress, signal } = options;
  const progress: RotationProgress = { scanned: 0, rewritten: 0, skipped: 0, failed: 0 };
  signal?.throwIfAborted();

  const flush = async (batch: Array<[string, StoredEntry]>): Promise<void> => {
    const now = Date.now();
    const rewrites: Array<[string, StoredEntry, StoredEntry]> = [];
    for (const [key, entry] of batch) {
      progress.scanned++;
      try {
        // Resealed here, not at write time: an entry whose first field is merely stale but whose
        // second is corrupt must count as failed instead of aborting the run.
        if (codec.isStale(entry)) rewrites.push([key, entry, codec.reseal(entry)]);
        else progress.skipped++;
      } catch {
        progress.failed++;
      }
    }
    const written = await Promise.all(rewrites.map(([key, read, next]) => writeIfUnchanged(cache, key, read, next, now)));
    for (const ok of written) ok ? progress.rewritten++ : progress.skipped++;
    onProgress?.({ ...progress });
  };

  let batch: Array<[string, StoredEntry]> = [];
  for await (const item of cache.entries()) {
    batch.push(item);
    if (batch.length >= batchSize) {
      await flush(batch);
      batch = [];
      signal?.throwIfAborted();
    }
  }
  if (batch.length > 0 || progress.scanned === 0) await flush(batch);
  return progress;
}

/**
 * Writes the resealed entry, with the read entry's remaining lifetime (as rewriteEntry does), only
 * if the store still holds the version that was read. Without the check a rotation could bring back
 * an entry erased (privacy erase, integrity delete) while its batch was in flight, or overwrite a
 * fresher answer. The read-then-write window left is one round trip; a store-side compare-and-set
 * would close it.
 */
async function writeIfUnchanged(cache: CacheStore, key: string, read: StoredEntry, next: StoredEntry, now: number): Promise<boolean> {
  const ttl = read.expiresAt - now;
  if (ttl <= 0) return false;
  const current = await cache.get(key);
  if (!current || current.createdAt !== read.createdAt || current.response !== read.response) return false;
  await cache.set(key, next, ttl);
  return true;
}
