// A small bounded TTL map for the key store's local lookups (the redis package has no lru-cache dependency).

/** Insertion-ordered map: entries expire after `ttlMs`; past `max` the oldest is dropped. */
export class LocalCache<V> {
  readonly #map = new Map<string, { value: V; until: number }>();
  constructor(
    readonly max: number,
    readonly ttlMs: number,
    readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string): V | undefined {
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.max) this.#map.delete(this.#map.keys().next().value!);
    this.#map.set(key, { value, until: this.now() + this.ttlMs });
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}
