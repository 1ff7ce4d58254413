// Incremental server-sent-events parser for capture: bytes split anywhere in, whole events out, bounded memory.
import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One dispatched event: `event` is undefined for the default type (`message`). */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

export interface SseParserOptions {
  /**
   * Most characters of one event (its data, and what is buffered of it between chunks). Past it the
   * parser gives up (`failure: 'too_large'`) and ignores the rest. Events already dispatched are not
   * counted: what the caller keeps of them is its own budget.
   */
  maxBytes: number;
  onEvent(event: SseEvent): void;
}

export type SseFailure = 'malformed' | 'too_large';

/**
 * WHATWG event-stream parsing (the line rules, comments, `event:`/`data:`/`id:`/`retry:`, CR, LF and
 * CRLF, a leading BOM) comes from `eventsource-parser`; this wrapper adds what capture needs around
 * it: UTF-8 decoding of byte chunks split inside a sequence, refusal of invalid UTF-8, a memory
 * budget, and a parser that never throws and costs nothing once it gave up.
 */
export class SseParser {
  readonly #parser: EventSourceParser;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #failure: SseFailure | undefined;
  #ended = false;
  /** Bytes went through the decoder since it was last flushed (it may hold part of a character). */
  #pending = false;

  constructor(options: SseParserOptions) {
    const { onEvent, maxBytes } = options;
    this.#parser = createParser({
      maxBufferSize: maxBytes,
      onEvent: (message) => {
        if (this.#failure !== undefined) return;
        // The library bounds what it buffers between chunks; an event that came whole in one chunk is checked here.
        if (message.data.length > maxBytes) this.#failure = 'too_large';
        else onEvent(message);
      },
      // Unknown fields and bad `retry:` values are ignored, as the spec says; only overflow matters.
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.#failure ??= 'too_large';
      },
    });
  }

  /** Why parsing stopped early, if it did. */
  get failure(): SseFailure | undefined {
    return this.#failure;
  }

  /** Feeds one chunk as written to the wire: a UTF-8 string or bytes (split anywhere). */
  push(chunk: string | Uint8Array): void {
    if (this.#failure !== undefined || this.#ended) return;
    let text: string;
    try {
      // A string after bytes that stopped inside a UTF-8 sequence is invalid UTF-8 on the wire.
      if (typeof chunk === 'string') {
        text = this.#pending ? this.#decoder.decode() + chunk : chunk;
        this.#pending = false;
      } else {
        text = this.#decoder.decode(chunk, { stream: true });
        this.#pending = true;
      }
    } catch {
      this.#failure = 'malformed';
      return;
    }
    if (text !== '') this.#parser.feed(text);
  }

  /** The stream ended: an unfinished last event is dropped (the spec's rule); dangling bytes are malformed. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#failure !== undefined) return;
    try {
      this.#decoder.decode();
    } catch {
      this.#failure = 'malformed';
    }
  }
}
