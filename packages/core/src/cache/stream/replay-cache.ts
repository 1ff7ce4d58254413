// Keeps recent replays ready: a hot entry's SSE text is built once per form, not on every streamed hit.
import { LRUCache } from 'lru-cache';

export interface ReplayCacheOptions {
  /** Most bytes of replays kept (plaintext answers in process memory: keep it small). Defaults to 4 MiB (4_194_304). */
  maxBytes?: number;
}

/**
 * Replay text by entry identity and form. The identity must change whenever the answer does: the
 * entry's `bind` HMAC (name + plaintext) fits. Call `clear()` on every erase, so that nothing
 * erased lingers here; a replay is never the only copy of anything, so dropping it is always safe.
 */
export class ReplayCache {
  readonly #lru: LRUCache<string, string>;

  constructor(options: ReplayCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? 4_194_304;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError(`vectorcache: option \`maxBytes\` must be a positive integer, got ${String(maxBytes)}`);
    this.#lru = new LRUCache<string, string>({ maxSize: maxBytes, sizeCalculation: (value) => value.length || 1 });
  }

  /** The replay of entry `identity` in form `form` (any string naming it), built only when missing; `build` may refuse (undefined). */
  text(identity: string, form: string, build: () => string | undefined): string | undefined {
    const key = `${identity}\0${form}`;
    let text = this.#lru.get(key);
    if (text === undefined) {
      text = build();
      if (text !== undefined) this.#lru.set(key, text);
    }
    return text;
  }

  clear(): void {
    this.#lru.clear();
  }
}
