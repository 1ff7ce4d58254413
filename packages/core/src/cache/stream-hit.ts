// Streamed hits: the stored answer replayed as SSE in the asked form, from a small cache of recent replays.
import type { RespondDecision } from '../contract.js';
import { ReplayCache } from './stream/replay-cache.js';
import { parseCompletion } from './stream/completion.js';
import { replayable, replayBody, replayText } from './stream/replay.js';
import type { AnswerForm } from './stream/types.js';
import { SSE_RESPONSE_HEADERS } from './coalesce.js';

export interface StreamReplayOptions {
  chunkWords: number;
  paceMs: number;
  /** Bytes of recent replays kept in memory. */
  cacheBytes: number;
}

export class StreamReplays {
  readonly #o: StreamReplayOptions;
  readonly #cache: ReplayCache;

  constructor(options: StreamReplayOptions) {
    this.#o = options;
    this.#cache = new ReplayCache({ maxBytes: options.cacheBytes });
  }

  /**
   * What a streamed hit sends, or undefined when the stored answer is no chat completion or lacks
   * the usage asked for (then it is a miss, and the new answer replaces the entry).
   */
  replay(identity: string, stored: string, form: Extract<AnswerForm, { stream: true }>, createdAt: number): Pick<RespondDecision, 'body' | 'stream' | 'headers'> | undefined {
    const options = { includeUsage: form.includeUsage, chunkWords: this.#o.chunkWords };
    if (this.#o.paceMs > 0) {
      const completion = parseCompletion(stored, Math.floor(createdAt / 1000));
      if (!completion || !replayable(completion, form)) return undefined;
      return { body: '', stream: replayBody(completion, { ...options, paceMs: this.#o.paceMs }), headers: { ...SSE_RESPONSE_HEADERS } };
    }
    const body = this.#cache.text(identity, form.includeUsage ? 'usage' : 'bare', () => {
      const completion = parseCompletion(stored, Math.floor(createdAt / 1000));
      return completion && replayable(completion, form) ? replayText(completion, options) : undefined;
    });
    return body === undefined ? undefined : { body, headers: { ...SSE_RESPONSE_HEADERS } };
  }

  /** Forgets every kept replay (on erase: nothing erased may linger in memory). */
  clear(): void {
    this.#cache.clear();
  }
}
