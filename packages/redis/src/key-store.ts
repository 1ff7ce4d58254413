// RedisKeyStore: API key records shared by all instances, with a local lookup cache invalidated over pub/sub.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { StoreUnavailableError, optionError, type KeyRecord, type KeyStore } from '@vectorcache/core';
import { bounded, close, connect, describe, ready, script, watch, type Connection, type RedisStoreOptions, type Script } from './connection.js';

export interface RedisKeyStoreOptions extends RedisStoreOptions {
  /** Bound of each Redis call, in ms. Defaults to 500. */
  commandTimeoutMs?: number;
  /**
   * How long a lookup (found or not found) is answered from this process's memory. Changes from any
   * instance clear it at once over pub/sub; this TTL bounds staleness if a message is lost, and is
   * how long a known key keeps working while Redis is unreachable. 0 disables it. Defaults to 1000.
   */
  localCacheMs?: number;
  /** Most lookups kept in the local cache. Defaults to 10_000. */
  localCacheMax?: number;
  /**
   * Subscribe to key changes (pub/sub, on a second connection): the local cache is cleared the moment
   * any instance changes a key, and `onChange` listeners fire. A one-shot process (the CLI) passes
   * false and opens one connection only. Defaults to true.
   */
  watch?: boolean;
}

/** Thrown by `insert` when the id or the hash is already stored. */
export class DuplicateKeyError extends Error {
  constructor() {
    super('vectorcache: a key record with this id or hash already exists');
    this.name = 'DuplicateKeyError';
  }
}

// All key records share the hash tag `{key}`: one slot, so insert can check id and hash and
// write both atomically even on a Cluster. Records are few and small, so one slot is plenty.
// KEYS: id key, hash key, id set. ARGV: json, id, channel, message.
const INSERT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

// Compare-and-set instead of WATCH/MULTI: WATCH belongs to a connection, and a shared connection
// serving concurrent requests would mix up watches. KEYS: id key. ARGV: expected, next, channel, message.
const UPDATE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

// KEYS: hash key. ARGV: id key prefix. One round trip from hash to record.
const FIND_BY_HASH_LUA = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)`;

/** Local answers: the record's JSON (parsed afresh per hit, so callers get their own copy) or null. */
type Cached = { json: string | null };

/** Key records in Redis. Revocations and rotations reach every instance within about a second. */
export class RedisKeyStore implements KeyStore {
  readonly #conn: Connection;
  readonly #subscriber: Redis | Cluster | undefined;
  readonly #local: LRUCache<string, Cached> | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #channel: string;
  readonly #insert: Script;
  readonly #update: Script;
  readonly #findByHash: Script;
  /** Bumped on every invalidation: a lookup that started before one must not refill the cache. */
  #generation = 0;
  /** Tags this instance's change messages. */
  readonly #instance = randomUUID();
  #subscribed: Promise<void>;
  #closed = false;

  constructor(options: RedisKeyStoreOptions = {}) {
    const localCacheMs = options?.localCacheMs ?? 1_000;
    if (!Number.isSafeInteger(localCacheMs) || localCacheMs < 0) throw optionError('localCacheMs', 'must be a non-negative integer number of milliseconds');
    const localCacheMax = options?.localCacheMax ?? 10_000;
    if (!Number.isSafeInteger(localCacheMax) || localCacheMax <= 0) throw optionError('localCacheMax', 'must be a positive integer');
    const watchChanges = options?.watch ?? true;
    if (typeof watchChanges !== 'boolean') throw optionError('watch', 'must be true or false');
    this.#conn = connect('RedisKeyStore', options, 500, ['localCacheMs', 'localCacheMax', 'watch']);
    const { client, prefix, logger } = this.#conn;
    this.#channel = `${prefix}key:changes`;
    this.#local = localCacheMs > 0 ? new LRUCache<string, Cached>({ max: localCacheMax, ttl: localCacheMs }) : undefined;
    this.#insert = script(client, 'vcKeyInsertV1', 3, INSERT_LUA);
    this.#update = script(client, 'vcKeyUpdateV1', 1, UPDATE_LUA);
    this.#findByHash = script(client, 'vcKeyFindByHashV1', 1, FIND_BY_HASH_LUA);

    if (!watchChanges) {
      this.#subscriber = undefined;
      this.#subscribed = Promise.resolve();
      return;
    }
    // A subscribed connection can run nothing else, hence a second one.
    const subscriber = client.duplicate();
    this.#subscriber = subscriber;
    watch(subscriber, 'RedisKeyStore.subscriber', logger);
    let markSubscribed!: () => void;
    this.#subscribed = new Promise((resolve) => (markSubscribed = resolve));
    subscriber.on('message', (channel: string, message: string) => {
      // Our own writes already cleared the cache when they completed; clearing again when their
      // echo arrives would only throw away fresh lookups.
      if (channel === this.#channel && !message.startsWith(`${this.#instance} `)) this.#invalidate(true);
    });
    subscriber.on('ready', () => {
      // Messages sent while disconnected are lost: forget everything learned before.
      this.#invalidate(false);
      subscriber.subscribe(this.#channel).then(
        () => markSubscribed(),
        (err: unknown) => logger.warn({ store: 'RedisKeyStore', err: describe(err) }, 'vectorcache: key change subscription failed'),
      );
    });
  }

  /** Waits (at most 2 s, never throwing) until commands and change notifications flow. */
  async init(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const subscribed = Promise.race([this.#subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    await Promise.all([ready(this.#conn.client, 2_000), subscribed]);
    clearTimeout(timer);
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const prefix = this.#keyPrefix();
    return this.#lookup(`h:${hash}`, async () => {
      const json = (await this.#findByHash([`${prefix}hash:${hash}`], [`${prefix}id:`])) as string | null;
      return json;
    }, (record) => record.hash === hash);
  }

  async findById(id: string): Promise<KeyRecord | undefined> {
    return this.#lookup(`i:${id}`, () => this.#conn.client.get(`${this.#keyPrefix()}id:${id}`), (record) => record.id === id);
  }

  async list(): Promise<KeyRecord[]> {
    const prefix = this.#keyPrefix();
    return this.#run('list', async () => {
      const ids = (await this.#conn.client.smembers(`${prefix}ids`)).sort();
      if (ids.length === 0) return [];
      const values = await this.#conn.client.mget(ids.map((id) => `${prefix}id:${id}`));
      return values.filter((v): v is string => v !== null).map((v) => parseRecord(v));
    });
  }

  async insert(record: KeyRecord): Promise<void> {
    const prefix = this.#keyPrefix();
    const ok = await this.#run('insert', () =>
      this.#insert([`${prefix}id:${record.id}`, `${prefix}hash:${record.hash}`, `${prefix}ids`], [JSON.stringify(record), record.id, this.#channel, this.#message(record.id)]),
    );
    this.#invalidate(false);
    if (Number(ok) !== 1) throw new DuplicateKeyError();
  }

  async update(id: string, change: (record: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined> {
    const key = `${this.#keyPrefix()}id:${id}`;
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.#run('update', () => this.#conn.client.get(key));
      if (current === null) return undefined;
      const next = change(parseRecord(current));
      if (next.id !== id || next.hash !== parseRecord(current).hash) {
        throw new TypeError('vectorcache: a key update may not change the record\'s id or hash');
      }
      const json = JSON.stringify(next);
      const ok = await this.#run('update', () => this.#update([key], [current, json, this.#channel, this.#message(id)]));
      if (Number(ok) === 1) {
        this.#invalidate(false);
        return parseRecord(json);
      }
      // Another writer got there first: read again and reapply the change to its result.
    }
    throw new StoreUnavailableError('RedisKeyStore.update: too much contention on this key record');
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the subscriber connection (if any), and the main one when the store created it. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await Promise.all([this.#subscriber ? close(this.#subscriber) : undefined, this.#conn.owned ? close(this.#conn.client) : undefined]);
  }

  /** `<instance> <key id>`: ids only, never a hash or anything secret. */
  #message(id: string): string {
    return `${this.#instance} ${id}`;
  }

  #keyPrefix(): string {
    return `${this.#conn.prefix}{key}:`;
  }

  async #lookup(cacheKey: string, fetch: () => Promise<string | null>, matches: (record: KeyRecord) => boolean): Promise<KeyRecord | undefined> {
    const hit = this.#local?.get(cacheKey);
    if (hit) return hit.json === null ? undefined : parseRecord(hit.json);
    const generation = this.#generation;
    const json = await this.#run('lookup', fetch);
    let record: KeyRecord | undefined;
    if (json !== null) {
      record = parseRecord(json);
      if (!matches(record)) throw new StoreUnavailableError('RedisKeyStore: stored record does not match its index');
    }
    if (generation === this.#generation) this.#local?.set(cacheKey, { json });
    return record;
  }

  #invalidate(notify: boolean): void {
    this.#generation++;
    this.#local?.clear();
    if (!notify) return;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (err) {
        this.#conn.logger.error({ store: 'RedisKeyStore', err: describe(err) }, 'vectorcache: key change listener threw');
      }
    }
  }

  #run<T>(what: string, call: () => Promise<T>): Promise<T> {
    return bounded(`RedisKeyStore.${what}`, this.#conn.timeoutMs, call);
  }
}

function parseRecord(json: string): KeyRecord {
  try {
    return JSON.parse(json) as KeyRecord;
  } catch {
    throw new StoreUnavailableError('RedisKeyStore: stored key record is not valid JSON');
  }
}
