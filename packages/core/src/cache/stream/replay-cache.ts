// Keeps recent replays ready: a hot entry's SSE bytes are built once per form, not on every streamed hit.
import { LRUCache } from 'lru-cache';
import { replayText, type ReplayOptions } from './replay.js';
import type { ChatCompletion } from './types.js';

export interface ReplayCacheOptions {
  /** Most bytes of replays kept (plaintext answers in process memory: keep it small). Defaults to 4 MiB (4_194_304). */
  maxBytes?: number;
}

/**
 * Replay bytes by entry identity and form. The identity must change whenever the answer does: the
 * entry's `bind` HMAC (name + plaintext) fits. Call `clear()` on every erase, so that nothing
 * erased lingers here; a replay is never the only copy of anything, so dropping it is always safe.
 */
export class ReplayCache {
  readonly #lru: LRUCache<string, Buffer>;

  constructor(options: ReplayCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? 4_194_304;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError(`vectorcache: option \`maxBytes\` must be a positive integer, got ${String(maxBytes)}`);
    this.#lru = new LRUCache<string, Buffer>({ maxSize: maxBytes, sizeCalculation: (value) => value.length || 1 });
  }

  /** The replay of the entry `identity` in the asked form, built by `completion()` only when missing. */
  bytes(identity: string, completion: () => ChatCompletion, options: ReplayOptions = {}): Buffer {
    const key = `${identity}\0${options.includeUsage ? 1 : 0}\0${options.chunkWords ?? ''}\0${options.chunkChars ?? ''}`;
    let bytes = this.#lru.get(key);
    if (!bytes) {
      bytes = Buffer.from(replayText(completion(), options));
      this.#lru.set(key, bytes);
    }
    return bytes;
  }

  clear(): void {
    this.#lru.clear();
  }
}
