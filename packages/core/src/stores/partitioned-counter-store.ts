// A CounterStore split into bounded partitions (one per tenant), so one tenant's traffic can only ever evict its own keys.
import type { CounterStore } from '../types.js';
import { MemoryCounterStore } from './memory-counter-store.js';

export interface PartitionedCounterStoreOptions {
  /** The partition a key belongs to (e.g. its tenant). */
  partitionOf: (key: string) => string;
  /** Most keys one partition keeps; past it that partition's least recently used go. Defaults to 100_000. */
  maxKeysPerPartition?: number;
}

export class PartitionedCounterStore implements CounterStore {
  readonly #partitionOf: (key: string) => string;
  readonly #max: number;
  readonly #partitions = new Map<string, MemoryCounterStore>();

  constructor(options: PartitionedCounterStoreOptions) {
    this.#partitionOf = options.partitionOf;
    this.#max = options.maxKeysPerPartition ?? 100_000;
  }

  #of(key: string): MemoryCounterStore {
    const name = this.#partitionOf(key);
    let store = this.#partitions.get(name);
    if (!store) this.#partitions.set(name, (store = new MemoryCounterStore({ maxKeys: this.#max })));
    return store;
  }

  increment(key: string, windowMs: number, by?: number): { count: number; resetAt: number } {
    return this.#of(key).increment(key, windowMs, by);
  }

  get(key: string): { count: number; resetAt: number } | undefined {
    return this.#partitions.get(this.#partitionOf(key))?.get(key);
  }

  reset(key: string): void {
    this.#partitions.get(this.#partitionOf(key))?.reset(key);
  }

  addToSet(key: string, member: string, windowMs: number): number {
    return this.#of(key).addToSet(key, member, windowMs);
  }
}
