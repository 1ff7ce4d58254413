// KeyStore in a JSON file: atomic writes, a cross-process lock, and reloads when another process edits it.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import { StoreUnavailableError } from '../errors.js';
import type { KeyRecord, KeyStore } from '../types.js';
import { MemoryKeyStore } from './memory-store.js';
import { copyRecord, keyRecordProblem } from './records.js';

export interface FileKeyStoreOptions {
  /** How often the file is checked for changes made by other processes, in ms. Defaults to 250. */
  watchIntervalMs?: number;
  /** Whether to watch the file at all (a one-shot CLI run does not need to). Defaults to true. */
  watch?: boolean;
  /** A lock file older than this is taken to belong to a crashed process and removed, in ms. Defaults to 10000. */
  lockStaleMs?: number;
  /** How long a change waits for the lock before failing with StoreUnavailableError, in ms. Defaults to 10000. */
  lockTimeoutMs?: number;
  /**
   * Told when a reload fails (file corrupt, unreadable or gone); the store keeps its last good
   * records. Defaults to a process warning, once per distinct file state.
   */
  onError?: (error: Error) => void;
}

interface Snapshot {
  records: KeyRecord[];
  signature: string;
}

const EMPTY_FILE = `${JSON.stringify({ version: 1, keys: [] }, null, 2)}\n`;

function signatureOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keys kept in a JSON file `{ "version": 1, "keys": [...] }` (mode 0600, directory 0700), so the
 * CLI and a running server share them. Lookups are served from memory; every change is a
 * read-modify-write under a lock file, written to a temporary file, flushed and renamed into
 * place, so a crash never leaves a half-written file and concurrent CLI runs never lose a key.
 */
export class FileKeyStore implements KeyStore {
  /** Absolute path of the key file. */
  readonly path: string;
  readonly #lockPath: string;
  readonly #options: Required<Omit<FileKeyStoreOptions, 'onError'>> & Pick<FileKeyStoreOptions, 'onError'>;
  readonly #memory: MemoryKeyStore;
  #signature: string;
  #failedSignature: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FileKeyStoreOptions = {}) {
    if (typeof path !== 'string' || path.trim() === '') throw new TypeError('vectorcache: FileKeyStore needs a file path');
    this.path = nodePath.resolve(path);
    this.#lockPath = `${this.path}.lock`;
    const defined = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
    this.#options = { watchIntervalMs: 250, watch: true, lockStaleMs: 10_000, lockTimeoutMs: 10_000, ...defined };
    for (const name of ['watchIntervalMs', 'lockStaleMs', 'lockTimeoutMs'] as const) {
      const value = this.#options[name];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw new TypeError(`vectorcache: FileKeyStore option \`${name}\` must be a positive whole number of milliseconds`);
      }
    }

    this.#createIfAbsent();
    const snapshot = this.#readSync();
    this.#memory = new MemoryKeyStore(snapshot.records);
    this.#signature = snapshot.signature;
    if (this.#options.watch) {
      this.#timer = setInterval(() => void this.reload(), this.#options.watchIntervalMs);
      // Watching must never keep a process alive on its own.
      this.#timer.unref();
    }
  }

  // ------------------------------------------------------------------ reading

  #parse(text: string): KeyRecord[] {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      // The parser's message quotes file content: say only what is wrong.
      throw new StoreUnavailableError(`vectorcache: key store file ${this.path} is not valid JSON`);
    }
    if (typeof data !== 'object' || data === null || (data as { version?: unknown }).version !== 1) {
      throw new StoreUnavailableError(`vectorcache: key store file ${this.path} is not a version 1 key file`);
    }
    const keys = (data as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) throw new StoreUnavailableError(`vectorcache: key store file ${this.path} has no "keys" list`);
    const ids = new Set<string>();
    const hashes = new Set<string>();
    for (const [index, record] of keys.entries()) {
      const problem = keyRecordProblem(record);
      if (problem) throw new StoreUnavailableError(`vectorcache: key store file ${this.path} has an invalid record #${index} (${problem})`);
      const { id, hash } = record as KeyRecord;
      if (ids.has(id) || hashes.has(hash)) throw new StoreUnavailableError(`vectorcache: key store file ${this.path} has a duplicate key (${id})`);
      ids.add(id);
      hashes.add(hash);
    }
    return keys as KeyRecord[];
  }

  #readSync(): Snapshot {
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.path, 'r');
      const stat = fs.fstatSync(fd);
      return { records: this.#parse(fs.readFileSync(fd, 'utf8')), signature: signatureOf(stat) };
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`vectorcache: cannot read key store file ${this.path} (${errorCode(error) ?? 'error'})`, { cause: error });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  async #read(): Promise<Snapshot> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(this.path, 'r');
      const stat = await handle.stat();
      return { records: this.#parse(await handle.readFile('utf8')), signature: signatureOf(stat) };
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`vectorcache: cannot read key store file ${this.path} (${errorCode(error) ?? 'error'})`, { cause: error });
    } finally {
      await handle?.close();
    }
  }

  /**
   * Checks the file now and loads it when it changed. Returns true when records were reloaded.
   * A file that cannot be read or parsed leaves the last good records in place and is reported.
   */
  async reload(): Promise<boolean> {
    if (this.#polling) return false;
    this.#polling = true;
    try {
      let signature: string;
      try {
        signature = signatureOf(await fsp.stat(this.path));
      } catch (error) {
        this.#report(`missing:${errorCode(error)}`, new StoreUnavailableError(`vectorcache: key store file ${this.path} cannot be read (${errorCode(error) ?? 'error'}); keeping the last good keys`, { cause: error }));
        return false;
      }
      if (signature === this.#signature) return false;
      let snapshot: Snapshot;
      try {
        snapshot = await this.#read();
      } catch (error) {
        this.#report(signature, new StoreUnavailableError(`${(error as Error).message}; keeping the last good keys`, { cause: error }));
        return false;
      }
      this.#apply(snapshot);
      return true;
    } finally {
      this.#polling = false;
    }
  }

  #apply(snapshot: Snapshot): void {
    if (snapshot.signature === this.#signature) return;
    this.#signature = snapshot.signature;
    this.#failedSignature = undefined;
    this.#memory.replaceAll(snapshot.records);
  }

  #report(signature: string, error: Error): void {
    if (this.#failedSignature === signature) return;
    this.#failedSignature = signature;
    try {
      if (this.#options.onError) this.#options.onError(error);
      else process.emitWarning(error.message, { code: 'VECTORCACHE_KEY_STORE_RELOAD' });
    } catch {
      // Reporting must never stop the watcher.
    }
  }

  // ------------------------------------------------------------------ writing

  #createIfAbsent(): void {
    if (fs.existsSync(this.path)) return;
    try {
      fs.mkdirSync(nodePath.dirname(this.path), { recursive: true, mode: 0o700 });
      const temp = this.#tempPath();
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, EMPTY_FILE);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      // link() fails when the file appeared meanwhile, so a racing process's keys are never replaced.
      try {
        fs.linkSync(temp, this.path);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      } finally {
        fs.rmSync(temp, { force: true });
      }
    } catch (error) {
      throw new StoreUnavailableError(`vectorcache: cannot create key store file ${this.path} (${errorCode(error) ?? 'error'})`, { cause: error });
    }
  }

  #tempPath(): string {
    return `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  }

  async #acquireLock(): Promise<() => Promise<void>> {
    const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
    const started = Date.now();
    for (;;) {
      try {
        const handle = await fsp.open(this.#lockPath, 'wx', 0o600);
        try {
          await handle.writeFile(token);
        } finally {
          await handle.close();
        }
        return async () => {
          // Only remove the lock if it is still ours (it may have been judged stale and taken over).
          const current = await fsp.readFile(this.#lockPath, 'utf8').catch(() => undefined);
          if (current === token) await fsp.rm(this.#lockPath, { force: true });
        };
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') {
          throw new StoreUnavailableError(`vectorcache: cannot create lock file ${this.#lockPath} (${errorCode(error) ?? 'error'})`, { cause: error });
        }
      }
      const stat = await fsp.stat(this.#lockPath).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > this.#options.lockStaleMs) {
        // Look again right before removing: if another waiter already replaced the stale lock with
        // its own fresh one (new inode), that lock must stay.
        const again = await fsp.stat(this.#lockPath).catch(() => undefined);
        if (again && again.ino === stat.ino && again.mtimeMs === stat.mtimeMs) await fsp.rm(this.#lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > this.#options.lockTimeoutMs) {
        throw new StoreUnavailableError(`vectorcache: timed out waiting for lock file ${this.#lockPath}; remove it if no vectorcache process is running`);
      }
      await sleep(5 + Math.floor(Math.random() * 20));
    }
  }

  async #writeAtomically(records: KeyRecord[]): Promise<string> {
    const temp = this.#tempPath();
    try {
      const handle = await fsp.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ version: 1, keys: records }, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, this.path);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw new StoreUnavailableError(`vectorcache: cannot write key store file ${this.path} (${errorCode(error) ?? 'error'})`, { cause: error });
    }
    // Flush the directory entry too, so the rename survives a power cut (not supported everywhere).
    const dir = await fsp.open(nodePath.dirname(this.path), 'r').catch(() => undefined);
    await dir?.sync().catch(() => undefined);
    await dir?.close();
    return signatureOf(await fsp.stat(this.path));
  }

  // Temp files of crashed writers are never read; clear old ones while holding the lock.
  async #removeStaleTempFiles(): Promise<void> {
    const dir = nodePath.dirname(this.path);
    const prefix = `${nodePath.basename(this.path)}.`;
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const full = nodePath.join(dir, name);
      const stat = await fsp.stat(full).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > this.#options.lockStaleMs) await fsp.rm(full, { force: true });
    }
  }

  /**
   * Runs `change` on the records freshly read under the lock; writes when it returns true.
   * Changes from this process are queued so they do not fight over the lock among themselves.
   */
  #mutate(change: (records: KeyRecord[]) => boolean): Promise<void> {
    const run = async () => {
      const release = await this.#acquireLock();
      try {
        const snapshot = await this.#read();
        if (!change(snapshot.records)) {
          this.#apply(snapshot);
          return;
        }
        const signature = await this.#writeAtomically(snapshot.records);
        this.#apply({ records: snapshot.records, signature });
        await this.#removeStaleTempFiles();
      } finally {
        await release();
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  // ------------------------------------------------------------------ KeyStore

  findByHash(hash: string): KeyRecord | undefined {
    return this.#memory.findByHash(hash);
  }

  findById(id: string): KeyRecord | undefined {
    return this.#memory.findById(id);
  }

  list(): KeyRecord[] {
    return this.#memory.list();
  }

  async insert(record: KeyRecord): Promise<void> {
    const problem = keyRecordProblem(record);
    if (problem) throw new TypeError(`vectorcache: invalid key record (${problem})`);
    await this.#mutate((records) => {
      if (records.some((r) => r.id === record.id)) throw new Error(`vectorcache: a key with id ${record.id} already exists`);
      if (records.some((r) => r.hash === record.hash)) throw new Error('vectorcache: a key with the same hash already exists');
      records.push(copyRecord(record));
      return true;
    });
  }

  async update(id: string, change: (record: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined> {
    let updated: KeyRecord | undefined;
    await this.#mutate((records) => {
      const index = records.findIndex((r) => r.id === id);
      if (index < 0) return false;
      const current = records[index]!;
      const next = change(copyRecord(current));
      const problem = keyRecordProblem(next);
      if (problem) throw new TypeError(`vectorcache: invalid key record (${problem})`);
      if (next.id !== id) throw new Error('vectorcache: an update may not change a key id');
      if (next.hash !== current.hash && records.some((r) => r.hash === next.hash)) {
        throw new Error('vectorcache: a key with the same hash already exists');
      }
      records[index] = copyRecord(next);
      updated = copyRecord(next);
      return true;
    });
    return updated;
  }

  onChange(listener: () => void): () => void {
    return this.#memory.onChange(listener);
  }

  /** Stops watching the file. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops watching and waits for pending writes. */
  async shutdown(): Promise<void> {
    this.close();
    await this.#queue;
  }
}
