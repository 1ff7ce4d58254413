// "Do not cache" markers an erase can leave on a subject: shared across instances through the counter store.
import type { CounterStore } from '../types.js';
import type { EventHub } from '../monitor/hub.js';

/** How long a marker lasts unless cleared (ten years). */
const NO_CACHE_MS = 10 * 365 * 86_400_000;
/** How long this instance trusts its last reading of a marker. */
const LOCAL_TTL_MS = 1000;
const LOCAL_MAX = 10_000;

export class DoNotCacheMarkers {
  readonly #store: CounterStore;
  readonly #hub: EventHub;
  readonly #local = new Map<string, { marked: boolean; at: number }>();

  constructor(store: CounterStore, hub: EventHub) {
    this.#store = store;
    this.#hub = hub;
  }

  /** Read through a one-second local cache; fails closed (a store error reads as marked). */
  async isMarked(tenant: string, subject: string): Promise<boolean> {
    const name = `nocache:${tenant}:${subject}`;
    const cached = this.#local.get(name);
    const now = Date.now();
    if (cached && now - cached.at < LOCAL_TTL_MS) return cached.marked;
    let marked: boolean;
    try {
      marked = ((await this.#store.get(name))?.count ?? 0) > 0;
    } catch {
      return true;
    }
    if (this.#local.size > LOCAL_MAX) this.#local.clear();
    this.#local.set(name, { marked, at: now });
    return marked;
  }

  async set(tenant: string, subject: string, marked: boolean): Promise<void> {
    const name = `nocache:${tenant}:${subject}`;
    if (marked) await this.#store.increment(name, NO_CACHE_MS);
    else await this.#store.reset(name);
    this.#local.set(name, { marked, at: Date.now() });
    if (marked) this.#hub.emit('privacy.do_not_cache_set', { tenant, receipt: { tenant, subject } });
  }
}
