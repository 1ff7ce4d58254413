// RedisCounterStore: fixed-window counters and windowed sets shared by every instance (lockout, abuse signals).
import type { CounterStore } from '@vectorcache/core';
import { optionError } from '@vectorcache/core';
import { bounded, close, connect, ready, type Connection, type RedisStoreOptions, type Script, script } from './connection.js';

export interface RedisCounterStoreOptions extends RedisStoreOptions {
  /** Bound of each Redis call, in ms. Defaults to 500. */
  commandTimeoutMs?: number;
  /** Most members one `addToSet` set holds; past it the size stays at the cap. Defaults to 1_000. */
  maxSetSize?: number;
}

// The expiry is set only when the key has none (a new window): the Lua form of PEXPIRE NX, which
// also runs on Redis 6. Returns the count and the milliseconds left in the window.
// KEYS: counter. ARGV: by, windowMs.
const INCREMENT_LUA = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { count, ttl }`;

// KEYS: counter. Returns false when there is no live window.
const GET_LUA = `
local count = redis.call('GET', KEYS[1])
if not count then return false end
return { tonumber(count), redis.call('PTTL', KEYS[1]) }`;

// KEYS: set. ARGV: member, windowMs, maxSize. SADD + PEXPIRE (new window only) + SCARD, capped.
const ADD_TO_SET_LUA = `
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[3]) then redis.call('SADD', KEYS[1], ARGV[1]) end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SCARD', KEYS[1])`;

/** Counters in Redis: each operation is one atomic script, so instances never race each other. */
export class RedisCounterStore implements CounterStore {
  readonly #conn: Connection;
  readonly #maxSetSize: number;
  readonly #increment: Script;
  readonly #get: Script;
  readonly #addToSet: Script;

  constructor(options: RedisCounterStoreOptions = {}) {
    const maxSetSize = options?.maxSetSize ?? 1_000;
    if (!Number.isSafeInteger(maxSetSize) || maxSetSize <= 0) throw optionError('maxSetSize', 'must be a positive integer');
    this.#conn = connect('RedisCounterStore', options, 500, ['maxSetSize']);
    this.#maxSetSize = maxSetSize;
    this.#increment = script(this.#conn.client, 'vcCounterIncrementV1', 1, INCREMENT_LUA);
    this.#get = script(this.#conn.client, 'vcCounterGetV1', 1, GET_LUA);
    this.#addToSet = script(this.#conn.client, 'vcCounterAddToSetV1', 1, ADD_TO_SET_LUA);
  }

  async increment(key: string, windowMs: number, by = 1): Promise<{ count: number; resetAt: number }> {
    const window = checkWindow(windowMs);
    const [count, ttl] = (await this.#run('increment', () => this.#increment([this.#counterKey(key)], [Math.trunc(by), window]))) as [number, number];
    return { count: Number(count), resetAt: Date.now() + Number(ttl) };
  }

  async get(key: string): Promise<{ count: number; resetAt: number } | undefined> {
    const reply = (await this.#run('get', () => this.#get([this.#counterKey(key)], []))) as [number, number] | null;
    if (!reply || Number(reply[1]) <= 0) return undefined;
    return { count: Number(reply[0]), resetAt: Date.now() + Number(reply[1]) };
  }

  /** Clears the counter and the set of that name (two commands: they may live in different Cluster slots). */
  async reset(key: string): Promise<void> {
    await this.#run('reset', () => Promise.all([this.#conn.client.del(this.#counterKey(key)), this.#conn.client.del(this.#setKey(key))]));
  }

  async addToSet(key: string, member: string, windowMs: number): Promise<number> {
    const window = checkWindow(windowMs);
    return Number(await this.#run('addToSet', () => this.#addToSet([this.#setKey(key)], [member, window, this.#maxSetSize])));
  }

  /** Waits (at most 2 s, never throwing) for the first connection; until then calls fail fast. */
  async init(): Promise<void> {
    await ready(this.#conn.client, 2_000);
  }

  async shutdown(): Promise<void> {
    if (this.#conn.owned) await close(this.#conn.client);
  }

  #counterKey(key: string): string {
    return `${this.#conn.prefix}ctr:${key}`;
  }

  #setKey(key: string): string {
    return `${this.#conn.prefix}set:${key}`;
  }

  #run<T>(what: string, call: () => Promise<T>): Promise<T> {
    return bounded(`RedisCounterStore.${what}`, this.#conn.timeoutMs, call);
  }
}

function checkWindow(windowMs: number): number {
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new TypeError('vectorcache: a counter window must be a positive number of milliseconds');
  return Math.ceil(windowMs);
}
