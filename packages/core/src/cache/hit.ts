// Serving a hit: the candidate is decrypted and checked (tenant, expiry, erase fences, binding) before a byte goes out.
import type { CacheStore, Principal, StoredEntry } from '../types.js';
import type { CacheTicket, RespondDecision } from '../contract.js';
import { rewriteEntry } from '../entries.js';
import type { StatsBook } from '../stats.js';
import type { EventHub } from '../monitor/hub.js';
import type { EraseFences } from '../privacy/fences.js';
import type { BaseDecision } from '../gate/replies.js';
import { safeEqual, type EntryKeys } from './entry-keys.js';
import type { Candidate } from './strategy.js';
import type { AnswerForm } from './stream/types.js';
import type { StreamReplays } from './stream-hit.js';

export interface HitDeps {
  cache: CacheStore;
  keys: EntryKeys;
  fences: EraseFences;
  stats: StatsBook;
  hub: EventHub;
  /** Streamed hits: replays of the stored completion. */
  replays: StreamReplays;
}

export class HitServer {
  readonly #d: HitDeps;

  constructor(deps: HitDeps) {
    this.#d = deps;
  }

  /** The hit decision, or undefined when anything is doubtful (then it is a miss, never served). */
  serve(candidate: Candidate, ticket: CacheTicket, base: BaseDecision, form: AnswerForm = { stream: false }): RespondDecision | undefined {
    const { entry, key } = candidate;
    const now = Date.now();
    if (entry.tenant !== ticket.tenant || entry.expiresAt <= now || this.#d.fences.erasedSince(entry.tenant, entry.subject, entry.createdAt)) return undefined;
    // A semantic candidate must also be the same subject's; an exact one is by its name.
    if (candidate.match !== 'exact' && entry.subject !== ticket.subject) return undefined;
    const opened = this.#open(candidate, ticket);
    if (!opened) {
      this.integrityFailure(key, ticket.requestId, ticket.principal, 'response');
      return undefined;
    }
    // A streamed request needs a chat completion to replay (with usage when it asks for it); else it is a miss.
    const replay = form.stream ? this.#d.replays.replay(entry.bind ?? `${key}\0${entry.createdAt}`, opened.text, form, entry.createdAt) : undefined;
    if (form.stream && !replay) return undefined;
    if ((opened.stale || entry.bind === undefined) && this.#d.keys.codec.encrypting) this.#resealLater(key, entry);
    this.#d.stats.hit(ticket.tenant, entry.elapsedMs ?? 0, entry.tokens ?? 0);
    if (candidate.match === 'semantic') this.#d.stats.semanticHit(ticket.tenant);
    const age = Math.max(0, Math.floor((now - entry.createdAt) / 1000));
    const decision: RespondDecision = {
      kind: 'respond', status: entry.status, body: opened.text, source: 'hit', savedMs: entry.elapsedMs ?? 0, savedTokens: entry.tokens ?? 0,
      ...base,
      headers: { ...entry.headers, ...base.headers, 'x-vectorcache-status': 'hit', age: String(age) },
    };
    if (replay) Object.assign(decision, replay, { headers: { ...decision.headers, ...replay.headers } });
    return decision;
  }

  /**
   * The answer, which must belong to this entry name: one HMAC, or (exact entries written before
   * bindings existed) the stored prompt compared with this request's.
   */
  #open(candidate: Candidate, ticket: CacheTicket): { text: string; stale: boolean } | undefined {
    const { entry, key } = candidate;
    const codec = this.#d.keys.codec;
    try {
      const opened = codec.open(entry, 'response');
      const bound = entry.bind !== undefined
        ? safeEqual(entry.bind, this.#d.keys.bind(key, opened.text))
        : candidate.match === 'exact' && codec.open(entry, 'request').text === ticket.request;
      return bound ? opened : undefined;
    } catch {
      return undefined;
    }
  }

  /** An entry that fails to open: reported and deleted, never served. */
  integrityFailure(key: string, requestId: string, principal: Principal, field: string): void {
    this.#d.hub.emit('cache.integrity_failure', { requestId, tenant: principal.tenant, keyId: principal.keyId, keyHint: principal.hint, field });
    const cache = this.#d.cache;
    void Promise.resolve().then(() => cache.delete(key)).catch(() => undefined);
  }

  /** Rewrites an entry under the newest key (and with its binding) in the background; failures are harmless. */
  #resealLater(key: string, entry: StoredEntry): void {
    const { cache, keys, fences } = this.#d;
    if (fences.erasedSince(entry.tenant, entry.subject, entry.createdAt)) return;
    void Promise.resolve().then(() => {
      const bound = entry.bind !== undefined ? entry : { ...entry, bind: keys.bind(key, keys.codec.open(entry, 'response').text) };
      return rewriteEntry(cache, key, bound, keys.codec);
    }).catch(() => undefined);
  }
}
