// In-process CounterStore: fixed-window counters and windowed sets, bounded so a flood of keys cannot exhaust memory.
import { LRUCache } from 'lru-cache';
import type { CounterStore } from '../types.js';
import { optionError } from '../errors.js';
import { positiveInteger, rejectUnknown } from './validate.js';

export interface MemoryCounterStoreOptions {
  /**
   * Most counters (and, separately, most sets) kept at once; the least recently used are dropped
   * past it, so a flood of distinct client addresses costs bounded memory. Defaults to 100_000.
   */
  maxKeys?: number;
  /**
   * Most members one `addToSet` set holds; past it new members are not added and the size stays
   * at the cap (callers compare against thresholds far below it). Defaults to 1_000.
   */
  maxSetSize?: number;
  /** Clock in epoch milliseconds, for tests. Defaults to `Date.now`. */
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

interface WindowSet {
  members: Set<string>;
  resetAt: number;
}

/** Counters for one process; use a shared store (e.g. RedisCounterStore) across instances. */
export class MemoryCounterStore implements CounterStore {
  readonly #counters: LRUCache<string, Window>;
  readonly #sets: LRUCache<string, WindowSet>;
  readonly #maxSetSize: number;
  readonly #now: () => number;

  constructor(options: MemoryCounterStoreOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('vectorcache: MemoryCounterStore options must be an object');
    rejectUnknown('MemoryCounterStore', options, ['maxKeys', 'maxSetSize', 'now']);
    const max = positiveInteger('maxKeys', options.maxKeys, 100_000)!;
    this.#maxSetSize = positiveInteger('maxSetSize', options.maxSetSize, 1_000)!;
    if (options.now !== undefined && typeof options.now !== 'function') throw optionError('now', 'must be a function returning epoch milliseconds');
    this.#now = options.now ?? Date.now;
    this.#counters = new LRUCache({ max });
    this.#sets = new LRUCache({ max });
  }

  increment(key: string, windowMs: number, by = 1): { count: number; resetAt: number } {
    checkWindow(windowMs);
    const now = this.#now();
    const current = this.#counters.get(key);
    if (current && current.resetAt > now) {
      current.count += by;
      return { count: current.count, resetAt: current.resetAt };
    }
    const fresh = { count: by, resetAt: now + windowMs };
    this.#counters.set(key, fresh);
    return { ...fresh };
  }

  get(key: string): { count: number; resetAt: number } | undefined {
    const current = this.#counters.peek(key);
    if (!current) return undefined;
    if (current.resetAt <= this.#now()) {
      this.#counters.delete(key);
      return undefined;
    }
    return { count: current.count, resetAt: current.resetAt };
  }

  reset(key: string): void {
    this.#counters.delete(key);
    this.#sets.delete(key);
  }

  addToSet(key: string, member: string, windowMs: number): number {
    checkWindow(windowMs);
    const now = this.#now();
    let set = this.#sets.get(key);
    if (!set || set.resetAt <= now) {
      set = { members: new Set(), resetAt: now + windowMs };
      this.#sets.set(key, set);
    }
    if (set.members.size < this.#maxSetSize) set.members.add(member);
    return set.members.size;
  }

  shutdown(): void {
    this.#counters.clear();
    this.#sets.clear();
  }
}

function checkWindow(windowMs: number): void {
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new TypeError('vectorcache: a counter window must be a positive number of milliseconds');
}
