// Incremental server-sent-events parser for capture: bytes split anywhere in, whole events out, bounded memory.

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

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * The WHATWG event-stream parsing rules (html.spec.whatwg.org, "Parsing an event stream"): lines
 * end with CR, LF or CRLF (also when a CRLF is split across chunks), a leading BOM is dropped,
 * `:` lines are comments, `data:` lines are joined with LF, `event:` sets the type, a blank line
 * dispatches, an unfinished last event is dropped. `id:` and `retry:` only matter to a reconnecting
 * EventSource and are ignored here. Around the rules: UTF-8 decoding of byte chunks split inside
 * a character, refusal of invalid UTF-8, a memory budget, never a throw, and no work once it gave up.
 *
 * Written here rather than taken from `eventsource-parser`: that package publishes its TypeScript
 * under a `source` export condition, so consumers who run with `--conditions=source` (as this
 * workspace does) would load `.ts` files from node_modules and fail.
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxBytes: number;
  /** Made when the first bytes arrive: most handlers write strings, and a decoder holds native (ICU) state. */
  #decoder: InstanceType<typeof TextDecoder> | undefined;
  #failure: SseFailure | undefined;
  #ended = false;
  /** Bytes went through the decoder since it was last flushed (it may hold part of a character). */
  #pending = false;
  #started = false;
  /** The start of a line whose end has not arrived yet. */
  #partial = '';
  /** The last chunk ended with CR: an LF starting the next one belongs to it (CRLF), not a new line. */
  #skipLF = false;
  #data = '';
  #dataLines = 0;
  #event: string | undefined;

  constructor(options: SseParserOptions) {
    this.#onEvent = options.onEvent;
    this.#maxBytes = options.maxBytes;
  }

  /** Why parsing stopped early, if it did. */
  get failure(): SseFailure | undefined {
    return this.#failure;
  }

  /**
   * Between events: no line, event or UTF-8 sequence half read, and still parsing. Then a chunk
   * `data: X\n\n` whose X has no CR or LF is exactly the one event X, which lets a caller that
   * recognises such chunks skip the line machinery. A CR just read does not count (an LF it waits
   * for could only make a blank line, a no-op between events), nor a BOM not yet seen (the chunk
   * starts with `d`).
   */
  get idle(): boolean {
    return !this.#pending && this.#partial === '' && this.#dataLines === 0 && this.#event === undefined && this.#failure === undefined && !this.#ended;
  }

  /** Feeds one chunk as written to the wire: a UTF-8 string or bytes (split anywhere). */
  push(chunk: string | Uint8Array): void {
    if (this.#failure !== undefined || this.#ended) return;
    let text: string;
    try {
      if (typeof chunk === 'string') {
        // A string after bytes that stopped inside a UTF-8 sequence is invalid UTF-8 on the wire.
        text = this.#pending ? this.#decoder!.decode() + chunk : chunk;
        this.#pending = false;
      } else {
        text = (this.#decoder ??= new TextDecoder('utf-8', { fatal: true })).decode(chunk, { stream: true });
        this.#pending = true;
      }
    } catch {
      this.#failure = 'malformed';
      return;
    }
    if (!this.#started && text !== '') {
      this.#started = true;
      // TextDecoder drops a BOM from bytes; a string may still start with one.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text !== '') this.#feed(text);
  }

  /** The stream ended: an unfinished last event is dropped (the spec's rule); dangling bytes are malformed. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#partial = '';
    if (this.#failure !== undefined) return;
    try {
      this.#decoder?.decode();
    } catch {
      this.#failure = 'malformed';
    }
  }

  #feed(text: string): void {
    let pos = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    const hasCR = text.indexOf('\r', pos) !== -1;
    while (pos < text.length && this.#failure === undefined) {
      const lf = text.indexOf('\n', pos);
      let end = lf;
      if (hasCR) {
        const cr = text.indexOf('\r', pos);
        if (cr !== -1 && (lf === -1 || cr < lf)) end = cr;
      }
      if (end === -1) break;
      const piece = text.slice(pos, end);
      const line = this.#partial === '' ? piece : this.#partial + piece;
      this.#partial = '';
      pos = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (pos === text.length) this.#skipLF = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
      this.#line(line);
    }
    if (pos < text.length && this.#failure === undefined) {
      this.#partial += text.slice(pos);
      this.#checkBudget();
    }
  }

  #line(line: string): void {
    if (line === '') { this.#dispatch(); return; }
    const first = line.charCodeAt(0);
    if (first === COLON) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = '';
    if (colon !== -1) value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    if (field === 'data') {
      this.#data = this.#dataLines === 0 ? value : `${this.#data}\n${value}`;
      this.#dataLines++;
      this.#checkBudget();
    } else if (field === 'event') {
      this.#event = value === '' ? undefined : value;
    }
  }

  #dispatch(): void {
    if (this.#dataLines > 0) this.#onEvent({ event: this.#event, data: this.#data });
    this.#data = '';
    this.#dataLines = 0;
    this.#event = undefined;
  }

  #checkBudget(): void {
    if (this.#partial.length + this.#data.length <= this.#maxBytes) return;
    this.#failure = 'too_large';
    this.#partial = '';
    this.#data = '';
  }
}
