// Cache routing: runs the lookup strategies in order and turns the first sound candidate into a hit.
import type { CacheTicket, RespondDecision } from '../contract.js';
import type { EventHub } from '../monitor/hub.js';
import type { BaseDecision } from '../gate/replies.js';
import type { HitServer } from './hit.js';
import { CacheUnavailableError, type Candidate, type LookupRequest, type LookupStrategy } from './strategy.js';
import { answerForm } from './stream/types.js';

export type LookupOutcome =
  | { kind: 'hit'; decision: RespondDecision }
  | { kind: 'miss' }
  | { kind: 'unavailable' };

export class CacheRouter {
  readonly #strategies: LookupStrategy[];
  readonly #hits: HitServer;
  readonly #hub: EventHub;
  /**
   * The request behind each ticket looked up, kept only while some strategy indexes stored answers:
   * a WeakMap entry per request is a measurable GC cost on the hit path otherwise.
   */
  readonly #requests = new WeakMap<CacheTicket, LookupRequest>();
  #remembering = false;

  constructor(strategies: LookupStrategy[], hits: HitServer, hub: EventHub) {
    this.#strategies = strategies;
    this.#remembering = strategies.some((s) => typeof s.stored === 'function');
    this.#hits = hits;
    this.#hub = hub;
  }

  /** Adds a strategy after the ones already there (exact lookup always goes first). */
  add(strategy: LookupStrategy): void {
    this.#strategies.push(strategy);
    if (typeof strategy.stored === 'function') this.#remembering = true;
  }

  /** Keeps the request of a ticket that is stored without a lookup (write-only keys). */
  remember(request: LookupRequest): void {
    if (this.#remembering) this.#requests.set(request.ticket, request);
  }

  async lookup(request: LookupRequest, base: BaseDecision): Promise<LookupOutcome> {
    const ticket = request.ticket;
    if (this.#remembering) this.#requests.set(ticket, request);
    const form = answerForm(request.body);
    for (const strategy of this.#strategies) {
      let candidate;
      try {
        candidate = await strategy.find(request);
      } catch (error) {
        if (!(error instanceof CacheUnavailableError)) continue; // an optional strategy failing is just no candidate
        this.#hub.emit('cache.unavailable', { requestId: ticket.requestId, clientAddress: ticket.clientAddress, tenant: ticket.tenant, operation: 'get' });
        return { kind: 'unavailable' };
      }
      if (!candidate) continue;
      const decision = this.#hits.serve(candidate, ticket, base, form);
      if (decision) {
        decision.headers['x-vectorcache-match'] = candidate.match;
        // Only now, after every check passed: a candidate turned down never makes a hit event.
        if (candidate.match === 'semantic') this.#semanticHit(ticket, candidate, form.stream);
        return { kind: 'hit', decision };
      }
    }
    return { kind: 'miss' };
  }

  /** The similarity and threshold of a served semantic answer; never any text. */
  #semanticHit(ticket: CacheTicket, candidate: Candidate, stream: boolean): void {
    const p = ticket.principal;
    this.#hub.emit('cache.semantic_hit', {
      requestId: ticket.requestId, tenant: ticket.tenant, keyId: p.keyId, keyHint: p.hint,
      similarity: candidate.similarity, threshold: candidate.threshold, stream,
    });
  }

  /** Every strategy hears of a stored answer (e.g. the semantic index adds its vector). */
  stored(ticket: CacheTicket, answer?: unknown): void {
    if (!this.#remembering) return;
    const request = this.#requests.get(ticket);
    for (const strategy of this.#strategies) {
      try { strategy.stored?.(ticket, request, answer); } catch { /* indexing is best effort: the entry itself is stored */ }
    }
  }
}
