// In-process CacheStore on lru-cache: byte-bounded, per-entry TTL, tenant and subject indexes for erase/export.
import { LRUCache } from 'lru-cache';
import type { CacheStore, StoredEntry } from '../types.js';
import { positiveInteger, rejectUnknown } from './validate.js';

export interface MemoryCacheStoreOptions {
  /**
   * Upper bound of the memory the entries may take, measured as the UTF-8 size of each entry's
   * serialized form (every string field, not only the response) plus its key. The least recently
   * used entries are evicted past it. Defaults to 64 MiB (67_108_864).
   */
  maxBytes?: number;
  /** Upper bound on the number of entries, on top of `maxBytes`. Defaults to no count limit. */
  maxEntries?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** Keys copied per step of `entries()`, so a walk never holds the event loop for long. */
const BATCH = 256;

/** Bytes an entry is charged: its JSON form plus its key, so large prompts or contexts count too. */
export function entryBytes(key: string, entry: StoredEntry): number {
  // Summing the fields instead of serialising the entry keeps a set O(size) without a copy per write.
  let bytes = ENTRY_OVERHEAD + Buffer.byteLength(key, 'utf8') + Buffer.byteLength(entry.tenant, 'utf8') + Buffer.byteLength(entry.model, 'utf8')
    + Buffer.byteLength(entry.request, 'utf8') + Buffer.byteLength(entry.response, 'utf8');
  if (entry.context !== undefined) bytes += Buffer.byteLength(entry.context, 'utf8');
  if (entry.subject !== undefined) bytes += entry.subject.length;
  for (const name in entry.headers) bytes += name.length + Buffer.byteLength(entry.headers[name]!, 'utf8') + 6;
  return bytes;
}

/** Fixed per-entry cost: numbers, field names and the indexes' bookkeeping. */
const ENTRY_OVERHEAD = 256;

/** Deep-frozen copy: what the store hands out can never be used to alter what it holds. */
function freezeCopy(entry: StoredEntry): StoredEntry {
  const copy: StoredEntry = { ...entry, enc: Object.freeze([...entry.enc]) as StoredEntry['enc'], headers: Object.freeze({ ...entry.headers }) };
  return Object.freeze(copy);
}

/** The embedded cache store: one process, bounded by bytes, entries expire by their own TTL. */
export class MemoryCacheStore implements CacheStore {
  readonly #cache: LRUCache<string, StoredEntry>;
  /** tenant → keys of its live (or not yet purged) entries. */
  readonly #byTenant = new Map<string, Set<string>>();
  /** tenant → subject hash → keys. */
  readonly #bySubject = new Map<string, Map<string, Set<string>>>();

  constructor(options: MemoryCacheStoreOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('vectorcache: MemoryCacheStore options must be an object');
    rejectUnknown('MemoryCacheStore', options, ['maxBytes', 'maxEntries']);
    const maxBytes = positiveInteger('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES)!;
    const maxEntries = positiveInteger('maxEntries', options.maxEntries, undefined);
    this.#cache = new LRUCache<string, StoredEntry>({
      maxSize: maxBytes,
      ...(maxEntries === undefined ? {} : { max: maxEntries }),
      sizeCalculation: (entry, key) => entryBytes(key, entry),
      ttlAutopurge: false,
      // Eviction, expiry, replacement and deletion all pass through here, so indexes never
      // point at entries that are gone (and never keep a subject's key after an erase).
      dispose: (entry, key) => this.#unindex(key, entry),
    });
  }

  get(key: string): StoredEntry | undefined {
    return this.#cache.get(key);
  }

  set(key: string, entry: StoredEntry, ttlMs: number): void {
    if (!(ttlMs > 0)) {
      // An entry that is already expired is not stored, and must not leave an older one behind.
      this.#cache.delete(key);
      return;
    }
    const stored = freezeCopy(entry);
    this.#cache.set(key, stored, { ttl: Math.ceil(ttlMs) });
    // lru-cache silently refuses an entry larger than the whole store: index only what it kept.
    if (this.#cache.peek(key) === stored) this.#index(key, stored);
  }

  delete(key: string): boolean {
    const live = this.#cache.has(key);
    this.#cache.delete(key);
    return live;
  }

  keysForSubject(tenant: string, subject: string): string[] {
    const keys = this.#bySubject.get(tenant)?.get(subject);
    if (!keys) return [];
    const live: string[] = [];
    for (const key of [...keys]) {
      if (this.#cache.has(key)) live.push(key);
      else this.#cache.delete(key); // expired but not yet purged: drop it (and its index) now
    }
    return live;
  }

  deleteSubject(tenant: string, subject: string): number {
    const keys = this.#bySubject.get(tenant)?.get(subject);
    return keys ? this.#deleteAll([...keys]) : 0;
  }

  deleteTenant(tenant: string): number {
    const keys = this.#byTenant.get(tenant);
    return keys ? this.#deleteAll([...keys]) : 0;
  }

  async *entries(): AsyncIterable<[string, StoredEntry]> {
    // Keys are copied first: the walk may await between batches while the cache changes.
    const keys = [...this.#cache.keys()];
    for (let i = 0; i < keys.length; i += BATCH) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const key of keys.slice(i, i + BATCH)) {
        const entry = this.#cache.peek(key); // peek: an audit walk must not reorder the LRU
        if (entry) yield [key, entry];
      }
    }
  }

  /** Purges expired entries first (a walk over all entries), so meant for stats, not per request. */
  size(): { entries: number; bytes: number } {
    this.#cache.purgeStale();
    return { entries: this.#cache.size, bytes: this.#cache.calculatedSize };
  }

  shutdown(): void {
    this.#cache.clear();
  }

  #deleteAll(keys: string[]): number {
    let deleted = 0;
    for (const key of keys) {
      if (this.#cache.has(key)) deleted++;
      this.#cache.delete(key);
    }
    return deleted;
  }

  #index(key: string, entry: StoredEntry): void {
    let keys = this.#byTenant.get(entry.tenant);
    if (!keys) this.#byTenant.set(entry.tenant, (keys = new Set()));
    keys.add(key);
    if (entry.subject === undefined) return;
    let subjects = this.#bySubject.get(entry.tenant);
    if (!subjects) this.#bySubject.set(entry.tenant, (subjects = new Map()));
    let subjectKeys = subjects.get(entry.subject);
    if (!subjectKeys) subjects.set(entry.subject, (subjectKeys = new Set()));
    subjectKeys.add(key);
  }

  #unindex(key: string, entry: StoredEntry): void {
    const keys = this.#byTenant.get(entry.tenant);
    if (keys?.delete(key) && keys.size === 0) this.#byTenant.delete(entry.tenant);
    if (entry.subject === undefined) return;
    const subjects = this.#bySubject.get(entry.tenant);
    const subjectKeys = subjects?.get(entry.subject);
    if (subjectKeys?.delete(key) && subjectKeys.size === 0) {
      subjects!.delete(entry.subject);
      if (subjects!.size === 0) this.#bySubject.delete(entry.tenant);
    }
  }
}
