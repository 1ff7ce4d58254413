// Capture of a streamed miss: watches the bytes the handler writes (never changes them) and judges the result.
import { SseParser } from './sse-parser.js';
import { StreamAssembler } from './reassemble.js';
import type { StreamVerdict } from './types.js';

export interface StreamCaptureOptions {
  /** The guard's `maxEntryBytes`: bounds both the event being parsed and the answer kept. */
  maxEntryBytes: number;
  /** Each event's data as it is parsed (`[DONE]` included), e.g. for coalesced followers. */
  onFrame?: (data: string) => void;
}

/**
 * Feed it what the handler writes, in order; `end()` when the handler finished the response,
 * `abort()` when the client went away or the handler failed. The caller checks status 200 and
 * `text/event-stream` first (see `isEventStream`). Never throws.
 */
export class StreamCapture {
  readonly #parser: SseParser;
  readonly #assembler: StreamAssembler;
  readonly #onFrame: ((data: string) => void) | undefined;
  readonly #maxBytes: number;
  #verdict: StreamVerdict | undefined;

  constructor(options: StreamCaptureOptions) {
    this.#onFrame = options.onFrame;
    this.#maxBytes = options.maxEntryBytes;
    this.#assembler = new StreamAssembler({ maxBytes: options.maxEntryBytes });
    this.#parser = new SseParser({
      maxBytes: options.maxEntryBytes,
      onEvent: (event) => {
        this.#assembler.push(event.data, event.event);
        // A follower is shown only what a normal client would act on: default-type events.
        if (this.#onFrame && event.event === undefined) this.#onFrame(event.data);
      },
    });
  }

  /** One chunk as written (string as UTF-8, or bytes). */
  write(chunk: string | Uint8Array): void {
    // Once the answer cannot be stored and nobody follows, parsing the rest is wasted work.
    if (this.#verdict || (this.#assembler.rejection && !this.#onFrame)) return;
    // Handlers mostly write one event per chunk: such a chunk, when the template reads it, skips the
    // parser (its event would be the chunk less `data: ` and the blank line, within the parser's budget).
    if (typeof chunk === 'string' && chunk.length - 8 <= this.#maxBytes && this.#parser.idle && this.#assembler.pushChunk(chunk)) {
      this.#onFrame?.(chunk.slice(6, -2));
      return;
    }
    this.#parser.push(chunk);
  }

  /** The response ended normally: the verdict. */
  end(): StreamVerdict {
    if (this.#verdict) return this.#verdict;
    this.#parser.end();
    const failure = this.#parser.failure;
    if (failure) this.#assembler.reject(failure === 'too_large' ? 'stream_too_large' : 'stream_malformed');
    return (this.#verdict = this.#assembler.finish());
  }

  /** The client went away or the handler failed: never stored, whatever arrived. */
  abort(): StreamVerdict {
    if (this.#verdict) return this.#verdict;
    this.#assembler.reject(this.#parser.failure === 'too_large' ? 'stream_too_large' : 'stream_incomplete');
    return (this.#verdict = this.#assembler.finish());
  }
}

/** Whether a response head is a stream capture may store: status 200 and `text/event-stream`. */
export function isEventStream(status: number, contentType: string | undefined): boolean {
  return status === 200 && /^\s*text\/event-stream\s*(;|$)/i.test(contentType ?? '');
}
