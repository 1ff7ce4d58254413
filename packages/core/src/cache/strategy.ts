// The interface every cache lookup strategy implements (exact today; semantic, streamed replay and single-flight plug in here).
import type { HeaderMap, StoredEntry } from '../types.js';
import type { CacheTicket } from '../contract.js';

/** What a strategy may look at: the ticket (tenant, subject, model, canonical request) and the body the handler would see. */
export interface LookupRequest {
  readonly ticket: CacheTicket;
  readonly body: Record<string, unknown>;
  readonly headers: HeaderMap;
}

/** A stored entry a strategy proposes; the hit server still checks it before anything is served. */
export interface Candidate {
  /** The entry's own name (differs from `ticket.key` for a semantic match). */
  readonly key: string;
  readonly entry: StoredEntry;
  readonly match: 'exact' | 'semantic';
  /** Cosine similarity for a semantic match. */
  readonly similarity?: number;
  /** The threshold the similarity had to reach (the floor, or what the request asked for above it). */
  readonly threshold?: number;
}

/** The store could not answer: the request goes direct (`cache_unavailable`); the cache fails open. */
export class CacheUnavailableError extends Error {
  override readonly name = 'CacheUnavailableError';
}

export interface LookupStrategy {
  readonly name: string;
  /**
   * A candidate, or undefined when there is none. Throws CacheUnavailableError when the store that
   * must answer cannot; any other failure of an optional strategy is its own to swallow (fail open).
   */
  find(request: LookupRequest): Promise<Candidate | undefined>;
  /** Told after an answer is stored under `ticket.key` (e.g. to index it), with the parsed answer; must not throw. */
  stored?(ticket: CacheTicket, request: LookupRequest | undefined, answer?: unknown): void;
}
