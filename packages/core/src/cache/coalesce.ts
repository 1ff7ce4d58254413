// Coalescing identical misses: the leader runs the handler; each follower becomes a hit in the form it asked for.
import type { CacheTicket, RespondDecision } from '../contract.js';
import type { StatsBook } from '../stats.js';
import type { BaseDecision } from '../gate/replies.js';
import type { Flight, Flights } from './single-flight.js';
import { parseCompletion } from './stream/completion.js';
import { replayable, replayText } from './stream/replay.js';
import type { AnswerForm } from './stream/types.js';

export type Coalesced = { kind: 'lead'; flight: Flight } | { kind: 'hit'; decision: RespondDecision } | { kind: 'run' };

export const SSE_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json; charset=utf-8' });

export class Coalescer {
  readonly #flights: Flights;
  readonly #stats: StatsBook;
  readonly #chunkWords: number;

  constructor(flights: Flights, stats: StatsBook, chunkWords: number) {
    this.#flights = flights;
    this.#stats = stats;
    this.#chunkWords = chunkWords;
  }

  /** Leads a new flight, or follows one: a coalesced hit, or `run` when the leader could not provide one. */
  async join(ticket: CacheTicket, form: AnswerForm, base: BaseDecision): Promise<Coalesced> {
    let joined = this.#flights.join(ticket.key, form);
    let outcome = joined.role === 'follower' ? await joined.wait : undefined;
    // A stream without usage cannot serve a client that asks for it: such clients share a flight of their own.
    if (outcome?.kind === 'run' && outcome.reason === 'form') {
      joined = this.#flights.join(`${ticket.key}\0usage`, form);
      outcome = joined.role === 'follower' ? await joined.wait : undefined;
    }
    if (joined.role === 'leader') return { kind: 'lead', flight: joined.flight };
    if (!outcome || outcome.kind === 'run') return { kind: 'run' };
    const headers = { ...base.headers, 'x-vectorcache-status': 'hit', 'x-vectorcache-coalesced': 'true', age: '0' };
    let decision: RespondDecision;
    if (outcome.kind === 'stream') {
      decision = { kind: 'respond', status: 200, body: '', stream: outcome.events, source: 'hit', ...base, headers: { ...SSE_RESPONSE_HEADERS, ...headers } };
    } else if (!form.stream) {
      decision = { kind: 'respond', status: 200, body: outcome.completion, source: 'hit', ...base, headers: { ...JSON_HEADERS, ...headers } };
    } else {
      const completion = parseCompletion(outcome.completion, Math.floor(Date.now() / 1000));
      if (!completion || !replayable(completion, form)) return { kind: 'run' };
      const body = replayText(completion, { includeUsage: form.includeUsage, chunkWords: this.#chunkWords });
      decision = { kind: 'respond', status: 200, body, source: 'hit', ...base, headers: { ...SSE_RESPONSE_HEADERS, ...headers } };
    }
    this.#stats.hit(ticket.tenant, 0, 0);
    return { kind: 'hit', decision };
  }

  /** Releases every waiting follower (an erase ran: nothing made before it may be handed out). */
  releaseAll(): void {
    this.#flights.releaseAll();
  }
}
