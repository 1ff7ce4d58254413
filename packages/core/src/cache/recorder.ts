// The response recorder adapters feed (head, chunks, end, abort): tells JSON answers from SSE streams and stores either.
import type { AnswerRecorder, CacheTicket, CapturedResponse, CompleteResult } from '../contract.js';
import type { Flight } from './single-flight.js';
import { StreamCapture, isEventStream } from './stream/capture.js';
import type { StreamRejection } from './stream/types.js';
import { headerText, storableHead } from './response-policy.js';

type Headers = CapturedResponse['headers'];

export interface RecorderDeps {
  ticket: CacheTicket;
  maxEntryBytes: number;
  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult;
  /** A stream that may not be stored, and why (counted). */
  rejected(ticket: CacheTicket, reason: StreamRejection): void;
  /** Set when this request leads a single flight: followers get what it answers. */
  flight?: Flight;
}

/** Headers of the SSE answer that are not kept with the stored JSON completion. */
const STREAM_ONLY = new Set(['content-type', 'content-length', 'cache-control', 'transfer-encoding', 'connection']);

/**
 * One per answered miss. Feed it `head` (or let the first chunk take the head given), the chunks as
 * written, then `end` or `abort`. A JSON answer is buffered up to `maxEntryBytes` and completed at
 * the end as before; an SSE answer goes out untouched while its frames are parsed, and is stored as
 * the reassembled chat.completion only if it ended normally. Never throws.
 */
export class ResponseRecorder implements AnswerRecorder {
  readonly #d: RecorderDeps;
  #mode: 'none' | 'json' | 'sse' | 'skip' = 'none';
  #status = 0;
  #headers: Headers = {};
  /** JSON answer so far: strings kept as written (Koa and Fastify hand one string), so one answer is never encoded and decoded again. */
  #chunks: Array<string | Buffer> = [];
  #size = 0;
  #capture: StreamCapture | undefined;
  #settled = false;

  constructor(deps: RecorderDeps) {
    this.#d = deps;
  }

  /** The response head; only the first call counts. */
  head(status: number, headers: Headers): void {
    if (this.#mode !== 'none') return;
    this.#status = status;
    this.#headers = headers;
    const type = headerText(headers, 'content-type');
    if (!isEventStream(status, type)) {
      this.#mode = 'json';
      return;
    }
    // `no-cache` is the SSE convention against buffering proxies; `private`, `no-store` and cookies still refuse.
    if (!storableHead({ status, headers: { ...headers, 'content-type': 'application/json' } }, true)) {
      this.#mode = 'skip';
      this.#d.flight?.fail('not_storable');
      return;
    }
    this.#mode = 'sse';
    const flight = this.#d.flight;
    this.#capture = new StreamCapture({ maxEntryBytes: this.#d.maxEntryBytes, onFrame: flight ? (data) => flight.frame(data) : undefined });
  }

  chunk(data: string | Uint8Array, encoding?: BufferEncoding): void {
    if (this.#settled) return;
    if (this.#mode === 'sse') {
      this.#capture!.write(typeof data === 'string' && encoding && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(data, encoding) : data);
    } else if (this.#mode === 'json' && this.#size <= this.#d.maxEntryBytes) {
      const utf8 = typeof data === 'string' && (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8');
      const piece = utf8 ? data : typeof data === 'string' ? Buffer.from(data, encoding) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      this.#size += typeof piece === 'string' ? Buffer.byteLength(piece, 'utf8') : piece.length;
      if (this.#size > this.#d.maxEntryBytes) this.#chunks = [];
      else this.#chunks.push(piece);
    }
  }

  /** The handler finished the answer. The reason is worth a header only while the head is not sent (JSON). */
  end(): { reason?: string } {
    if (this.#settled) return {};
    this.#settled = true;
    if (this.#mode === 'sse') return this.#endStream();
    if (this.#mode !== 'json' || this.#size > this.#d.maxEntryBytes) {
      this.#d.flight?.fail('not_storable');
      return {};
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    const body = chunks.length === 1 && typeof chunks[0] === 'string'
      ? chunks[0]
      : Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)), this.#size);
    // The guard's complete() also settles the flight this request leads.
    const result = this.#d.complete(this.#d.ticket, { status: this.#status, headers: this.#headers, body });
    return { reason: result.reason };
  }

  /** The client went away or the handler failed: nothing is stored, and followers run for themselves. */
  abort(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    if (this.#mode === 'sse') {
      const verdict = this.#capture!.abort();
      if (!verdict.storable) this.#d.rejected(this.#d.ticket, verdict.reason);
    }
    this.#d.flight?.fail('leader_failed');
  }

  #endStream(): { reason?: string } {
    const verdict = this.#capture!.end();
    if (!verdict.storable) {
      this.#d.rejected(this.#d.ticket, verdict.reason);
      this.#d.flight?.fail('not_storable');
      return {};
    }
    const headers: Headers = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(this.#headers)) {
      if (!STREAM_ONLY.has(name.toLowerCase())) headers[name] = value;
    }
    this.#d.complete(this.#d.ticket, { status: 200, headers, body: JSON.stringify(verdict.completion) });
    return {};
  }
}
