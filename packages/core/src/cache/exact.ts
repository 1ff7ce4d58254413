// Exact lookup: the entry stored under this request's own cache key.
import type { CacheStore, StoredEntry } from '../types.js';
import { withTimeout } from './timeout.js';
import { CacheUnavailableError, type Candidate, type LookupRequest, type LookupStrategy } from './strategy.js';

export class ExactLookup implements LookupStrategy {
  readonly name = 'exact';
  readonly #cache: CacheStore;
  readonly #timeoutMs: number;
  readonly #onCorrupt: (key: string, request: LookupRequest) => void;

  constructor(cache: CacheStore, timeoutMs: number, onCorrupt: (key: string, request: LookupRequest) => void) {
    this.#cache = cache;
    this.#timeoutMs = timeoutMs;
    this.#onCorrupt = onCorrupt;
  }

  find(request: LookupRequest): Promise<Candidate | undefined> {
    const key = request.ticket.key;
    let pending;
    try {
      pending = this.#cache.get(key);
    } catch (error) {
      return Promise.resolve().then(() => this.#failed(error, key, request));
    }
    // A synchronous store (the in-process default) costs one promise, no closure, no timer race.
    if (!(pending instanceof Promise)) return Promise.resolve(pending ? { key, entry: pending, match: 'exact' } : undefined);
    return withTimeout(pending, this.#timeoutMs).then(
      (entry: StoredEntry | undefined): Candidate | undefined => (entry ? { key, entry, match: 'exact' } : undefined),
      (error: unknown) => this.#failed(error, key, request),
    );
  }

  #failed(error: unknown, key: string, request: LookupRequest): undefined {
    // A damaged entry is a miss to repair, not an outage.
    if ((error as Error | undefined)?.name === 'CorruptEntryError') {
      this.#onCorrupt(key, request);
      return undefined;
    }
    throw new CacheUnavailableError('cache get failed', { cause: error });
  }
}
