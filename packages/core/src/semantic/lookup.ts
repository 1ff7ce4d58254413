// Semantic lookup strategy: on an exact miss, the nearest stored answer of the same partition above the threshold.
import type { CacheStore } from '../types.js';
import type { CacheTicket } from '../contract.js';
import type { PiiScanner } from '../pii/index.js';
import type { StatsBook } from '../stats.js';
import type { EventHub } from '../monitor/hub.js';
import { EventThrottle } from '../monitor/throttle.js';
import type { EntryKeys } from '../cache/entry-keys.js';
import { TimeoutError, withTimeout } from '../cache/timeout.js';
import { firstHeader } from '../headers.js';
import type { Candidate, LookupRequest, LookupStrategy } from '../cache/strategy.js';
import { semanticEligibility, semanticSignature, semanticStorable } from './guards.js';
import { SemanticKeys } from './keys.js';
import type { NormalizedSemantic } from './options.js';

export interface SemanticDeps {
  cache: CacheStore;
  keys: EntryKeys;
  stats: StatsBook;
  pii: PiiScanner | undefined;
  ignoreFields: ReadonlySet<string>;
  cacheTimeoutMs: number;
  hub: EventHub;
}

/** Skip reasons that mean the embedder or the index failed (the others are the request's own). */
const FAILURES = new Set(['embedder_failed', 'embedder_timeout', 'index_failed', 'index_write_failed']);
/** An embedder or index outage raises `semantic.unavailable` at most this often per tenant and reason. */
const UNAVAILABLE_EVERY_MS = 60_000;

/** What one request's lookup worked out, kept for indexing its answer once stored. */
type Plan = { ok: false; reason: string } | { ok: true; text: string; partition: string; vector?: Float32Array };

function header(request: LookupRequest, name: string): string | undefined {
  return firstHeader(request.headers, name)?.trim().toLowerCase();
}

export class SemanticLookup implements LookupStrategy {
  readonly name = 'semantic';
  readonly #o: NormalizedSemantic;
  readonly #d: SemanticDeps;
  readonly #names = new SemanticKeys();
  readonly #plans = new WeakMap<CacheTicket, Plan>();
  readonly #unavailable = new EventThrottle(UNAVAILABLE_EVERY_MS);

  constructor(options: NormalizedSemantic, deps: SemanticDeps) {
    this.#o = options;
    this.#d = deps;
  }

  async find(request: LookupRequest): Promise<Candidate | undefined> {
    const { ticket } = request;
    const plan = this.#plan(request);
    if (!plan.ok) return this.#skip(ticket, plan.reason);
    // The request's own answer is still indexed (stored()); it just may not be answered by a neighbour.
    if (header(request, 'x-vectorcache-semantic') === 'off') return this.#skip(ticket, 'refused_by_request');
    const threshold = this.#threshold(request);
    let matches;
    try {
      plan.vector = await this.#embed(plan.text, ticket.tenant);
      matches = await withTimeout(this.#o.index.search({ partition: plan.partition, vector: plan.vector, k: this.#o.candidates, minSimilarity: threshold, now: Date.now() }), this.#o.timeoutMs, 'vector index');
    } catch (error) {
      return this.#skip(ticket, plan.vector ? 'index_failed' : error instanceof TimeoutError ? 'embedder_timeout' : 'embedder_failed');
    }
    for (const match of matches) {
      const entry = await withTimeout(this.#d.cache.get(match.key), this.#d.cacheTimeoutMs).catch(() => undefined);
      if (!entry) {
        // The entry is gone (evicted, expired, erased elsewhere): so should its vector be.
        void Promise.resolve().then(() => this.#o.index.deleteKeys([match.key])).catch(() => undefined);
        continue;
      }
      if (entry.tenant === ticket.tenant && entry.subject === ticket.subject && entry.expiresAt > Date.now()) {
        return { key: match.key, entry, match: 'semantic', similarity: match.similarity, threshold };
      }
    }
    return this.#skip(ticket, 'no_neighbour');
  }

  stored(ticket: CacheTicket, request: LookupRequest | undefined, answer?: unknown): void {
    if (!request || !semanticStorable(answer)) return;
    const plan = this.#plans.get(ticket) ?? this.#plan(request);
    if (!plan.ok) return;
    const { index } = this.#o;
    void (async () => {
      const vector = plan.vector ?? await this.#embed(plan.text, ticket.tenant);
      await withTimeout(index.upsert({
        partition: plan.partition, key: ticket.key, vector, expiresAt: Date.now() + ticket.ttlMs, ...this.#owner(ticket.tenant, ticket.subject),
      }), this.#o.timeoutMs * 4, 'vector index');
    })().catch(() => this.#skip(ticket, 'index_write_failed'));
  }

  /** Erase: every vector of the tenant, or of one subject (its hash, as erase requests carry it). */
  async erase(owner: { tenant: string; subject?: string }): Promise<void> {
    await this.#o.index.deleteOwner(this.#owner(owner.tenant, owner.subject));
  }

  /** The owner tags a vector is stored under and erased by. */
  #owner(tenant: string, subject: string | undefined): { tenantTag: string; subjectTag?: string } {
    const indexKey = this.#d.keys.indexKey;
    const tenantTag = this.#names.tenantTag(indexKey, tenant);
    return subject === undefined ? { tenantTag } : { tenantTag, subjectTag: this.#names.subjectTag(indexKey, tenant, subject) };
  }

  /** Eligibility, the PII re-check of the text to embed, and the partition; once per ticket. */
  #plan(request: LookupRequest): Plan {
    const known = this.#plans.get(request.ticket);
    if (known) return known;
    const o = this.#o;
    const eligibility = semanticEligibility(request.body, { minWords: o.minWords, minChars: o.minChars, maxChars: o.maxChars });
    let plan: Plan;
    if (!eligibility.eligible) plan = { ok: false, reason: eligibility.reason };
    // Defence in depth: whatever the PII gate's action, nothing it flags is ever embedded.
    else if (this.#d.pii && this.#d.pii.scanText(eligibility.text).length > 0) plan = { ok: false, reason: 'pii' };
    else {
      const indexKey = this.#d.keys.indexKey;
      const partition = this.#names.partition(indexKey, {
        ticket: request.ticket, body: request.body, ignore: this.#d.ignoreFields, embedder: o.embedder,
        rotation: o.rotation ? this.#names.rotation(indexKey).id : 'plain', signature: semanticSignature(eligibility.text, o.guards),
      });
      plan = { ok: true, text: eligibility.text, partition };
    }
    this.#plans.set(request.ticket, plan);
    return plan;
  }

  /** The configured threshold is a floor: a request may ask for more, never less. */
  #threshold(request: LookupRequest): number {
    const asked = Number(header(request, 'x-vectorcache-semantic-threshold'));
    return Number.isFinite(asked) && asked <= 1 ? Math.max(this.#o.threshold, asked) : this.#o.threshold;
  }

  async #embed(text: string, tenant: string): Promise<Float32Array> {
    // One bound: when it fires, the embedder's own work is aborted too. The controller is made only
    // when the embedder reads its signal or the bound fires (a synchronous embedder never pays for
    // one); a signal read after the bound fired is already aborted.
    let controller: AbortController | undefined;
    const options = { get signal(): AbortSignal { return (controller ??= new AbortController()).signal; } };
    const [vector] = await withTimeout(this.#o.embedder.embed([text], options), this.#o.timeoutMs, 'embedder', () => (controller ??= new AbortController()).abort());
    if (!vector) throw new Error('the embedder returned no vector');
    return this.#o.rotation ? this.#names.rotation(this.#d.keys.indexKey).forTenant(tenant)(vector) : vector;
  }

  #skip(ticket: CacheTicket, reason: string): undefined {
    this.#d.stats.semanticSkip(ticket.tenant, reason);
    if (FAILURES.has(reason)) {
      // Exact counts stay in stats (semanticSkipped); the event says an outage started, with what it held back.
      const suppressed = this.#unavailable.pass(`${ticket.tenant}\0${reason}`);
      if (suppressed !== undefined) this.#d.hub.emit('semantic.unavailable', { requestId: ticket.requestId, tenant: ticket.tenant, reason, suppressed });
    }
    return undefined;
  }
}
