// RedisCacheStore: shared cache entries with TTL, per-tenant indexes and byte accounting in a Cluster-ready layout.
import type { Cluster, Redis } from 'ioredis';
import { CorruptEntryError, type CacheStore, type StoredEntry } from '@vectorcache/core';
import { bounded, close, connect, ready, globEscape, script, type Connection, type RedisStoreOptions, type Script } from './connection.js';

export interface RedisCacheStoreOptions extends RedisStoreOptions {
  /** Bound of get/set/delete on the request path, in ms. Defaults to 50. */
  commandTimeoutMs?: number;
  /** Bound of each call of erase, `entries()` and `size()` (larger scripts and scans), in ms. Defaults to 5000. */
  adminTimeoutMs?: number;
}

/** Members fetched per SCAN/HSCAN step and deleted per Lua call. */
const BATCH = 500;

/**
 * The tenant a cache key belongs to: everything before the last `:`. The gate's cache keys are
 * `<tenant>:<hex hmac>`; a store that gets only the key needs the tenant to find its hash slot.
 */
export function tenantOfKey(key: string): string | undefined {
  const at = key.lastIndexOf(':');
  return at < 0 ? undefined : key.slice(0, at);
}

/**
 * Common start of every key of one tenant: `<prefix>{t:<tenant>}:`. The braces are a Cluster hash
 * tag, so an entry, its tenant index and its subject sets share one slot and one Lua script may
 * touch them all. The tenant is URI-encoded so a `}` or `:` in it cannot break the tag.
 */
export function tenantBase(prefix: string, tenant: string): string {
  return `${prefix}{t:${encodeURIComponent(tenant)}}:`;
}

// Per tenant: `e:<cache key>` the entry JSON (PX TTL); `idx` a hash cache key → "<bytes>|<subject>"
// (the tenant index, which also remembers what to undo when an entry goes); `bytes` the byte
// counter; `s:<subject>` a set of cache keys. Index keys get a TTL at least as long as the
// longest-lived entry they list, so a tenant that stops writing leaves nothing behind.
const DROP = `
local function drop(base, idx, bytes, member)
  local meta = redis.call('HGET', idx, member)
  if meta then
    local sep = string.find(meta, '|', 1, true)
    redis.call('DECRBY', bytes, tonumber(string.sub(meta, 1, sep - 1)))
    local subject = string.sub(meta, sep + 1)
    if subject ~= '' then redis.call('SREM', base .. 's:' .. subject, member) end
    redis.call('HDEL', idx, member)
  end
  return redis.call('DEL', base .. 'e:' .. member)
end
local function tidy(idx, bytes)
  if redis.call('HLEN', idx) == 0 then redis.call('DEL', idx, bytes) end
end
`;

// KEYS: entry, idx, bytes. ARGV: base, member, json, ttl, size, subject.
const SET_LUA = `${DROP}
local base, member, ttl = ARGV[1], ARGV[2], tonumber(ARGV[4])
local old = redis.call('HGET', KEYS[2], member)
if old then drop(base, KEYS[2], KEYS[3], member) end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
redis.call('HSET', KEYS[2], member, ARGV[5] .. '|' .. ARGV[6])
redis.call('INCRBY', KEYS[3], ARGV[5])
local function extend(k) if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end end
extend(KEYS[2])
extend(KEYS[3])
if ARGV[6] ~= '' then
  local s = base .. 's:' .. ARGV[6]
  redis.call('SADD', s, member)
  extend(s)
end
return 1`;

// KEYS: idx, bytes. ARGV: base, members... Returns how many entries existed.
const DELETE_LUA = `${DROP}
local n = 0
for i = 2, #ARGV do n = n + drop(ARGV[1], KEYS[1], KEYS[2], ARGV[i]) end
tidy(KEYS[1], KEYS[2])
return n`;

// KEYS: idx, bytes, subject set. ARGV: base. Erases a subject in one atomic step.
const DELETE_SUBJECT_LUA = `${DROP}
local n = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[3])) do n = n + drop(ARGV[1], KEYS[1], KEYS[2], member) end
redis.call('DEL', KEYS[3])
tidy(KEYS[1], KEYS[2])
return n`;

// KEYS: idx, bytes, subject set. ARGV: base. Live members; expired ones are unindexed on the way.
const SUBJECT_KEYS_LUA = `${DROP}
local live = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[1] .. 'e:' .. member) == 1 then table.insert(live, member)
  else drop(ARGV[1], KEYS[1], KEYS[2], member) end
end
tidy(KEYS[1], KEYS[2])
return live`;

// KEYS: idx, bytes. ARGV: base, members... Unindexes members whose entry expired.
const PRUNE_LUA = `${DROP}
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. 'e:' .. ARGV[i]) == 0 then drop(ARGV[1], KEYS[1], KEYS[2], ARGV[i]) end
end
tidy(KEYS[1], KEYS[2])
return 1`;

/**
 * Cache entries in Redis, shared by every instance. Keys must be `<tenant>:<anything without ':'>`
 * (see tenantOfKey). Byte accounting is exact for writes and deletes; entries that expire by TTL
 * are subtracted lazily, when `size()` or `keysForSubject()` next meets them.
 */
export class RedisCacheStore implements CacheStore {
  readonly #conn: Connection;
  readonly #adminMs: number;
  readonly #set: Script;
  readonly #delete: Script;
  readonly #deleteSubject: Script;
  readonly #subjectKeys: Script;
  readonly #prune: Script;

  constructor(options: RedisCacheStoreOptions = {}) {
    const adminMs = options?.adminTimeoutMs ?? 5_000;
    if (!Number.isSafeInteger(adminMs) || adminMs <= 0) throw new TypeError('vectorcache: option `adminTimeoutMs` must be a positive integer number of milliseconds');
    this.#conn = connect('RedisCacheStore', options, 50, ['adminTimeoutMs'], adminMs);
    this.#adminMs = adminMs;
    const { client } = this.#conn;
    this.#set = script(client, 'vcCacheSetV1', 3, SET_LUA);
    this.#delete = script(client, 'vcCacheDeleteV1', 2, DELETE_LUA);
    this.#deleteSubject = script(client, 'vcCacheDeleteSubjectV1', 3, DELETE_SUBJECT_LUA);
    this.#subjectKeys = script(client, 'vcCacheSubjectKeysV1', 3, SUBJECT_KEYS_LUA);
    this.#prune = script(client, 'vcCachePruneV1', 2, PRUNE_LUA);
  }

  /** The ioredis client in use (for health checks). */
  get client(): Redis | Cluster {
    return this.#conn.client;
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const tenant = tenantOfKey(key);
    if (tenant === undefined) return undefined;
    const json = await this.#run('get', () => this.#conn.client.get(`${this.#base(tenant)}e:${key}`));
    if (json === null) return undefined;
    let entry: StoredEntry;
    try {
      entry = JSON.parse(json) as StoredEntry;
    } catch {
      // Redis answered: this is a damaged entry, which the guard deletes and reports, not an outage.
      throw new CorruptEntryError('RedisCacheStore.get: stored entry is not valid JSON');
    }
    if (entry?.v !== 1 || entry.tenant !== tenant) throw new CorruptEntryError('RedisCacheStore.get: stored entry has an unexpected shape');
    return entry;
  }

  async set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> {
    if (tenantOfKey(key) !== entry.tenant) {
      throw new TypeError('vectorcache: RedisCacheStore keys must be "<tenant>:<id>" with the entry\'s tenant before the last ":"');
    }
    if (!(ttlMs > 0)) {
      await this.delete(key);
      return;
    }
    const base = this.#base(entry.tenant);
    const json = JSON.stringify(entry);
    const bytes = Buffer.byteLength(json, 'utf8') + Buffer.byteLength(key, 'utf8');
    await this.#run('set', () =>
      this.#set([`${base}e:${key}`, `${base}idx`, `${base}bytes`], [base, key, json, Math.ceil(ttlMs), bytes, entry.subject ?? '']),
    );
  }

  async delete(key: string): Promise<boolean> {
    const tenant = tenantOfKey(key);
    if (tenant === undefined) return false;
    const base = this.#base(tenant);
    const n = await this.#run('delete', () => this.#delete([`${base}idx`, `${base}bytes`], [base, key]));
    return Number(n) > 0;
  }

  async keysForSubject(tenant: string, subject: string): Promise<string[]> {
    const base = this.#base(tenant);
    const live = await this.#run('keysForSubject', () => this.#subjectKeys([`${base}idx`, `${base}bytes`, `${base}s:${subject}`], [base]), true);
    return live as string[];
  }

  async deleteSubject(tenant: string, subject: string): Promise<number> {
    const base = this.#base(tenant);
    return Number(await this.#run('deleteSubject', () => this.#deleteSubject([`${base}idx`, `${base}bytes`, `${base}s:${subject}`], [base]), true));
  }

  /** Deletes in atomic batches of 500 entries, so a large tenant never blocks Redis for long. */
  async deleteTenant(tenant: string): Promise<number> {
    const base = this.#base(tenant);
    let deleted = 0;
    // Writes racing the erase may add members behind the cursor: go round again while any remain.
    for (let pass = 0; pass < 10; pass++) {
      for await (const members of this.#indexBatches(base)) {
        deleted += Number(await this.#run('deleteTenant', () => this.#delete([`${base}idx`, `${base}bytes`], [base, ...members]), true));
      }
      if ((await this.#run('deleteTenant', () => this.#conn.client.hlen(`${base}idx`), true)) === 0) break;
    }
    return deleted;
  }

  async *entries(): AsyncIterable<[string, StoredEntry]> {
    const { prefix } = this.#conn;
    for (const node of this.#nodes()) {
      let cursor = '0';
      do {
        const [next, keys] = await this.#run('entries', () => node.scan(cursor, 'MATCH', `${globEscape(prefix)}{t:*}:e:*`, 'COUNT', BATCH), true);
        cursor = next;
        const cacheKeys = keys.map((raw) => raw.slice(raw.indexOf('}:e:', prefix.length) + 4));
        const found = await Promise.all(cacheKeys.map(async (key) => [key, await this.get(key)] as const));
        for (const [key, entry] of found) if (entry) yield [key, entry];
      } while (cursor !== '0');
    }
  }

  /** Walks every tenant index to drop expired members first: meant for stats, not per request. */
  async size(): Promise<{ entries: number; bytes: number }> {
    const { prefix, client } = this.#conn;
    let entries = 0;
    let bytes = 0;
    for (const node of this.#nodes()) {
      let cursor = '0';
      do {
        const [next, idxKeys] = await this.#run('size', () => node.scan(cursor, 'MATCH', `${globEscape(prefix)}{t:*}:idx`, 'COUNT', BATCH), true);
        cursor = next;
        for (const idx of idxKeys) {
          const base = idx.slice(0, -'idx'.length);
          for await (const members of this.#indexBatches(base)) {
            await this.#run('size', () => this.#prune([`${base}idx`, `${base}bytes`], [base, ...members]), true);
          }
          const [count, total] = await this.#run('size', () => Promise.all([client.hlen(`${base}idx`), client.get(`${base}bytes`)]), true);
          entries += count;
          bytes += Number(total ?? 0);
        }
      } while (cursor !== '0');
    }
    return { entries, bytes };
  }

  /** Waits (at most 2 s, never throwing) for the first connection; until then calls fail fast. */
  async init(): Promise<void> {
    await ready(this.#conn.client, 2_000);
  }

  async shutdown(): Promise<void> {
    if (this.#conn.owned) await close(this.#conn.client);
  }

  #base(tenant: string): string {
    return tenantBase(this.#conn.prefix, tenant);
  }

  /** SCAN must visit every master of a Cluster; a single Redis is its own only node. */
  #nodes(): Redis[] {
    const { client } = this.#conn;
    return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  }

  async *#indexBatches(base: string): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#run('hscan', () => this.#conn.client.hscan(`${base}idx`, cursor, 'COUNT', BATCH), true);
      cursor = next;
      const members = flat.filter((_, i) => i % 2 === 0);
      if (members.length > 0) yield members;
    } while (cursor !== '0');
  }

  #run<T>(what: string, call: () => Promise<T>, admin = false): Promise<T> {
    return bounded(`RedisCacheStore.${what}`, admin ? this.#adminMs : this.#conn.timeoutMs, call);
  }
}
