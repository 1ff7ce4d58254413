// In-memory KeyStore: maps by id and by hash; for tests, single processes and as the FileKeyStore's cache.
import type { KeyRecord, KeyStore } from '../types.js';
import { copyRecord, keyRecordProblem } from './records.js';

/** A KeyStore held in process memory. Lookups are synchronous; records are copied in and out. */
export class MemoryKeyStore implements KeyStore {
  #byId = new Map<string, KeyRecord>();
  #byHash = new Map<string, KeyRecord>();
  #listeners = new Set<() => void>();

  constructor(records: KeyRecord[] = []) {
    for (const record of records) this.#add(record);
  }

  #add(record: KeyRecord): void {
    const problem = keyRecordProblem(record);
    if (problem) throw new TypeError(`vectorcache: invalid key record (${problem})`);
    if (this.#byId.has(record.id)) throw new Error(`vectorcache: a key with id ${record.id} already exists`);
    if (this.#byHash.has(record.hash)) throw new Error('vectorcache: a key with the same hash already exists');
    const copy = copyRecord(record);
    this.#byId.set(copy.id, copy);
    this.#byHash.set(copy.hash, copy);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure must not undo or hide a committed change.
      }
    }
  }

  findByHash(hash: string): KeyRecord | undefined {
    const record = this.#byHash.get(hash);
    return record && copyRecord(record);
  }

  findById(id: string): KeyRecord | undefined {
    const record = this.#byId.get(id);
    return record && copyRecord(record);
  }

  list(): KeyRecord[] {
    return [...this.#byId.values()].map(copyRecord);
  }

  insert(record: KeyRecord): void {
    this.#add(record);
    this.#notify();
  }

  update(id: string, change: (record: KeyRecord) => KeyRecord): KeyRecord | undefined {
    const current = this.#byId.get(id);
    if (!current) return undefined;
    const next = change(copyRecord(current));
    const problem = keyRecordProblem(next);
    if (problem) throw new TypeError(`vectorcache: invalid key record (${problem})`);
    if (next.id !== id) throw new Error('vectorcache: an update may not change a key id');
    if (next.hash !== current.hash && this.#byHash.has(next.hash)) throw new Error('vectorcache: a key with the same hash already exists');
    const copy = copyRecord(next);
    this.#byHash.delete(current.hash);
    this.#byId.set(id, copy);
    this.#byHash.set(copy.hash, copy);
    this.#notify();
    return copyRecord(copy);
  }

  /** Replaces every record at once (used by FileKeyStore on reload); listeners are told. */
  replaceAll(records: KeyRecord[]): void {
    const next = new MemoryKeyStore(records);
    this.#byId = next.#byId;
    this.#byHash = next.#byHash;
    this.#notify();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
