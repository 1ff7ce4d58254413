// Single-flight for identical concurrent misses: one leader runs the handler, followers get its answer or live stream.
import { adaptFrame, canFollow } from './stream/forms.js';
import type { AnswerForm } from './stream/types.js';

/** Why a follower was released to run the handler itself (coalescing never turns into an error). */
export type ReleaseReason =
  /** The leader failed or aborted before its answer was ready. */
  | 'leader_failed'
  /** The leader's answer may not be stored (status, PII, truncated stream…). */
  | 'not_storable'
  /** No answer, and no first frame for a stream, within `waitMs`. */
  | 'timeout'
  /** The live stream outgrew `maxBytes` before this follower could attach. */
  | 'too_large'
  /** The leader's stream lacks what this follower asked for (usage). */
  | 'form'
  /** The follower's own signal fired (its client went away). */
  | 'aborted'
  /** The flights were released at once (e.g. an erase). */
  | 'released';

export type FollowerOutcome =
  /** The canonical completion as JSON text: serve it to a JSON follower, replay it to a streamed one. */
  | { kind: 'answer'; completion: string }
  /** The leader's live stream as SSE text in this follower's form; throws {@link FlightCutError} if the leader's stream breaks. */
  | { kind: 'stream'; events: AsyncIterable<string> }
  | { kind: 'run'; reason: ReleaseReason };

export type Joined = { role: 'leader'; flight: Flight } | { role: 'follower'; wait: Promise<FollowerOutcome> };

export interface FlightsOptions {
  /** Most characters of frames one flight keeps so that late followers get the stream from its start. Defaults to 1 MiB (1_048_576). */
  maxBytes?: number;
  /** Longest a follower waits for the leader's answer, or for its first frame, before running itself. Defaults to 30_000 ms. */
  waitMs?: number;
}

/** A live stream broke off (the leader's stream ended without `[DONE]`, or this follower fell too far behind). */
export class FlightCutError extends Error {
  readonly reason: 'leader_failed' | 'too_large';
  constructor(reason: 'leader_failed' | 'too_large') {
    super(`vectorcache: coalesced stream cut (${reason})`);
    this.name = 'FlightCutError';
    this.reason = reason;
  }
}

interface Frame {
  data: string;
  /** `data` without usage, computed once when a follower needs it (null: the frame is left out). */
  bare?: string | null;
}

interface Waiter {
  form: AnswerForm;
  resolve(outcome: FollowerOutcome): void;
  timer: ReturnType<typeof setTimeout>;
  cleanup(): void;
}

interface Subscriber {
  form: AnswerForm;
  cursor: number;
  wake: (() => void) | undefined;
  cut: FlightCutError | undefined;
}

const DEFAULT_MAX_BYTES = 1_048_576;
const DEFAULT_WAIT_MS = 30_000;

/** The flights in progress, one per cache key (so never across tenants, subjects or models). */
export class Flights {
  readonly #flights = new Map<string, Flight>();
  readonly #maxBytes: number;
  readonly #waitMs: number;

  constructor(options: FlightsOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    for (const [name, value] of [['maxBytes', this.#maxBytes], ['waitMs', this.#waitMs]] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`vectorcache: option \`${name}\` must be a positive integer, got ${String(value)}`);
    }
  }

  /** Flights in progress (answered flights lingering until their write landed included). */
  get size(): number {
    return this.#flights.size;
  }

  /** The first caller for a key leads; the others follow until it answers, streams or fails. */
  join(key: string, form: AnswerForm, options: { signal?: AbortSignal } = {}): Joined {
    const current = this.#flights.get(key);
    if (current) return { role: 'follower', wait: current.follow(form, this.#waitMs, options.signal) };
    const flight = new Flight(form, this.#maxBytes, this.#waitMs, () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    this.#flights.set(key, flight);
    return { role: 'leader', flight };
  }

  /** Releases every waiting follower and forgets all flights (e.g. after an erase); live streams go on. */
  releaseAll(): void {
    for (const flight of this.#flights.values()) flight.release('released');
    this.#flights.clear();
  }
}

/** The leader's handle: publish frames of a live stream, then the answer, or fail. */
export class Flight {
  readonly form: AnswerForm;
  readonly #maxBytes: number;
  readonly #detach: () => void;
  readonly #waiters = new Set<Waiter>();
  readonly #subscribers = new Set<Subscriber>();
  readonly #frames: Frame[] = [];
  /** Absolute index of `#frames[0]`: above 0 once the head was dropped, and late followers can no longer attach. */
  #base = 0;
  #bytes = 0;
  #doneSent = false;
  #ended = false;
  #answer: string | undefined;
  /** A leader that never settles (an adapter that never reports the answer) must not hold its key for ever. */
  readonly #expiry: ReturnType<typeof setTimeout>;

  constructor(form: AnswerForm, maxBytes: number, waitMs: number, detach: () => void) {
    this.form = form;
    this.#maxBytes = maxBytes;
    this.#detach = detach;
    this.#expiry = setTimeout(() => {
      this.release('timeout');
      detach();
    }, waitMs);
    this.#expiry.unref?.();
  }

  /** One event's data from the leader's live stream, `[DONE]` included, as it arrives. */
  frame(data: string): void {
    if (this.#ended || this.#doneSent) return;
    if (data === '[DONE]') this.#doneSent = true;
    this.#frames.push({ data });
    this.#bytes += data.length;
    for (const waiter of [...this.#waiters]) {
      if (waiter.form.stream) this.#attach(waiter);
    }
    if (this.#bytes > this.#maxBytes) this.#trim();
    for (const sub of this.#subscribers) sub.wake?.();
  }

  /**
   * The leader's storable answer (a JSON answer, or the completion reassembled from its stream).
   * Followers that wait get it; until `settled` (the cache write) resolves, new joiners get it too.
   */
  answer(completion: string, settled?: Promise<unknown>): void {
    if (this.#ended) return;
    this.#answer = completion;
    this.#end();
    for (const waiter of [...this.#waiters]) this.#settle(waiter, { kind: 'answer', completion });
    if (settled) void settled.then(this.#detach, this.#detach);
    else this.#detach();
  }

  /** The leader failed, or its answer may not be stored: waiting followers run the handler themselves. */
  fail(reason: 'leader_failed' | 'not_storable'): void {
    if (this.#ended) return;
    this.#end();
    this.release(reason);
    this.#detach();
  }

  /** @internal Releases the followers that still wait. */
  release(reason: ReleaseReason): void {
    for (const waiter of [...this.#waiters]) this.#settle(waiter, { kind: 'run', reason });
  }

  /** @internal A follower joins: answered at once when possible, else it waits (bounded). */
  follow(form: AnswerForm, waitMs: number, signal?: AbortSignal): Promise<FollowerOutcome> {
    if (this.#answer !== undefined) return Promise.resolve({ kind: 'answer', completion: this.#answer });
    if (signal?.aborted) return Promise.resolve({ kind: 'run', reason: 'aborted' });
    if (form.stream && this.form.stream && !canFollow(this.form, form)) return Promise.resolve({ kind: 'run', reason: 'form' });
    return new Promise((resolve) => {
      const onAbort = () => this.#settle(waiter, { kind: 'run', reason: 'aborted' });
      const waiter: Waiter = {
        form, resolve,
        timer: setTimeout(() => {
          // A leader that is stuck must not hold every later request: the next one leads anew.
          this.#detach();
          this.#settle(waiter, { kind: 'run', reason: 'timeout' });
        }, waitMs),
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      if (form.stream && (this.#frames.length > 0 || this.#base > 0)) this.#attach(waiter);
    });
  }

  #settle(waiter: Waiter, outcome: FollowerOutcome): void {
    if (!this.#waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.cleanup();
    waiter.resolve(outcome);
  }

  /** A streamed follower of a streamed leader gets the live stream from its first frame. */
  #attach(waiter: Waiter): void {
    if (!this.form.stream) return;
    if (this.#base > 0) { this.#settle(waiter, { kind: 'run', reason: 'too_large' }); return; }
    const sub: Subscriber = { form: waiter.form, cursor: 0, wake: undefined, cut: undefined };
    this.#subscribers.add(sub);
    this.#settle(waiter, { kind: 'stream', events: this.#events(sub) });
  }

  #end(): void {
    this.#ended = true;
    clearTimeout(this.#expiry);
    for (const sub of this.#subscribers) sub.wake?.();
  }

  /** Drops frames every subscriber has read; a subscriber still too far behind is cut, so memory stays bounded. */
  #trim(): void {
    let low = this.#base + this.#frames.length;
    for (const sub of this.#subscribers) low = Math.min(low, sub.cursor);
    this.#dropBelow(low);
    if (this.#bytes <= this.#maxBytes) return;
    for (const sub of this.#subscribers) {
      if (sub.cursor !== low) continue;
      sub.cut = new FlightCutError('too_large');
      this.#subscribers.delete(sub);
      sub.wake?.();
    }
    this.#trim();
  }

  #dropBelow(index: number): void {
    const count = index - this.#base;
    if (count <= 0) return;
    for (const frame of this.#frames.splice(0, count)) this.#bytes -= frame.data.length;
    this.#base = index;
  }

  /** One subscriber's view: every frame available at a wake-up goes out as one piece of SSE text. */
  async *#events(sub: Subscriber): AsyncGenerator<string> {
    try {
      for (;;) {
        if (sub.cut) throw sub.cut;
        if (sub.cursor < this.#base + this.#frames.length) {
          let text = '';
          let finished = false;
          while (sub.cursor < this.#base + this.#frames.length) {
            const frame = this.#frames[sub.cursor - this.#base]!;
            sub.cursor++;
            const data = this.#render(frame, sub.form);
            if (data !== undefined) text += `data: ${data}\n\n`;
            if (frame.data === '[DONE]') finished = true;
          }
          if (text !== '') yield text;
          if (finished) return;
          // Frames may have arrived while the consumer held the last piece: look again before sleeping.
          continue;
        }
        if (this.#ended) throw new FlightCutError('leader_failed');
        await new Promise<void>((resolve) => { sub.wake = resolve; });
        sub.wake = undefined;
      }
    } finally {
      this.#subscribers.delete(sub);
    }
  }

  #render(frame: Frame, form: AnswerForm): string | undefined {
    if (!this.form.stream || !form.stream || this.form.includeUsage === form.includeUsage) return frame.data;
    if (frame.bare === undefined) frame.bare = adaptFrame(frame.data, this.form, form) ?? null;
    return frame.bare ?? undefined;
  }
}
