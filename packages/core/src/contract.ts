// The guard's public contract: the Guard interface, its decisions and the shapes adapters exchange with it.
import type { BodyError } from './body.js';
import type { GuardEvent, Principal, Problem, RequestView } from './types.js';
import type { TenantStats } from './stats.js';
import type { TenantSecrets } from './secrets/index.js';
import type { Finding } from './doctor/finding.js';

/** The view plus what an adapter learnt while reading the body. */
export interface GuardRequest extends RequestView {
  bodyError?: BodyError;
}

/** What the reader already checked of a body it parsed (so the gate need not walk it again). */
export interface BodyReadFacts {
  /** True when the body was parsed by the guard's own reader, which caps nesting on the text. */
  depthChecked?: boolean;
}

/** The view of a request before its body is read: the perimeter and the key are checked on this alone. */
export type HeadView = Omit<RequestView, 'body'>;

interface DecisionBase {
  /** Headers to set on the response, whatever happens next (lower-case names). */
  headers: Record<string, string>;
  requestId: string;
  clientAddress: string | null;
  principal?: Principal;
}

export interface DenyDecision extends DecisionBase {
  kind: 'deny';
  status: number;
  problem: Problem;
}

/** The guard answers itself: a cache hit or an admin route. */
export interface RespondDecision extends DecisionBase {
  kind: 'respond';
  status: number;
  body: string;
  /**
   * A body to send as it comes, instead of `body` (which is then empty): a coalesced follower's live
   * stream or a paced replay. If it throws, the answer is cut off (the connection is destroyed).
   */
  stream?: AsyncIterable<string | Uint8Array>;
  source: 'hit' | 'admin';
  /** On a hit: upstream time and tokens the stored answer saved. */
  savedMs?: number;
  savedTokens?: number;
}

/** The route handler runs; `ticket` is present when its answer may be stored. */
export interface PassDecision extends DecisionBase {
  kind: 'pass';
  route: 'cache' | 'direct';
  cacheStatus: 'miss' | 'bypass';
  reasons: string[];
  /** The body the handler must see (redacted when the PII action is `redact`). */
  body: unknown;
  bodyReplaced: boolean;
  ticket?: CacheTicket;
  /** An operational route (`operationalPaths`): authenticated, never cached, not counted as guarded traffic. */
  operational?: boolean;
  /**
   * Present with `ticket`: feed it the handler's answer (head, chunks, end or abort) and it stores a
   * JSON answer or an SSE stream, and serves coalesced followers. Replaces `guard.complete(ticket, …)`.
   */
  recorder?: AnswerRecorder;
}

/** What adapters feed with the handler's answer on a miss (see `PassDecision.recorder`). Never throws. */
export interface AnswerRecorder {
  /** The response head (status, headers as the framework holds them); only the first call counts. */
  head(status: number, headers: Record<string, string | string[] | number | undefined>): void;
  /** One chunk as written (strings in `encoding`, UTF-8 by default). */
  chunk(data: string | Uint8Array, encoding?: BufferEncoding): void;
  /** The handler finished; a reason worth an `X-Vectorcache-Reason` header while headers are not sent yet. */
  end(): { reason?: string };
  /** The client went away or the handler failed before the end. */
  abort(): void;
}

export type Decision = DenyDecision | RespondDecision | PassDecision;

/**
 * A request whose perimeter and key checks passed on the headers alone: the adapter now reads the
 * body and hands both to `guard.decide`. Opaque to adapters.
 */
export interface Admission {
  readonly kind: 'admitted';
  readonly requestId: string;
  readonly clientAddress: string | null;
  readonly principal: Principal;
}

/** What `guard.admit` answers: refuse or answer now (no body read), or go on and read the body. */
export type AdmitResult = DenyDecision | RespondDecision | Admission;

/** What a miss needs to store the handler's answer later. */
export interface CacheTicket {
  readonly key: string;
  readonly tenant: string;
  readonly model: string;
  readonly subject: string | undefined;
  readonly request: string;
  readonly ttlMs: number;
  readonly startedAt: number;
  readonly requestId: string;
  readonly principal: Principal;
  readonly clientAddress: string | null;
}

/** The handler's answer as an adapter captured it. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string | Uint8Array;
}

export interface CompleteResult {
  stored: boolean;
  /** Why the answer was not stored, when that is worth a header (e.g. `pii_in_response`). */
  reason?: string;
  /** Settles when the write finished (never rejects). */
  done: Promise<void>;
}

/** One decision, as metrics see it: no keys, no content. */
export interface DecisionObservation {
  outcome: 'deny' | 'hit' | 'admin' | 'miss' | 'bypass';
  code?: string;
  reasons: readonly string[];
  tenant?: string;
  /** Time the gate took, lookup and decryption included, in milliseconds. */
  durationMs: number;
  /** On a hit: upstream time and tokens saved. */
  savedMs?: number;
  savedTokens?: number;
}

export interface EraseReceipt { tenant: string; subject: string; erased: number; at: string; doNotCache?: boolean }
export interface ExportedEntry { prompt: unknown; response: unknown; model: string; created: string; expires: string }
export interface ExportResult { tenant: string; subject: string; at: string; entries: ExportedEntry[] }

export interface PrivacyRights {
  /** Deletes the subject's entries everywhere this guard's store reaches; `doNotCache` also routes their later requests direct. */
  erase(input: { tenant: string; subject: string; doNotCache?: boolean }, actor?: Principal): Promise<EraseReceipt>;
  /** Clears a "do not cache" marker left by an erase. */
  allowCache(input: { tenant: string; subject: string }, actor?: Principal): Promise<{ tenant: string; subject: string; cleared: boolean; at: string }>;
  eraseTenant(tenant: string, actor?: Principal): Promise<{ tenant: string; erased: number; at: string }>;
  export(input: { tenant: string; subject: string }, actor?: Principal): Promise<ExportResult>;
}

export interface Guard {
  readonly environment: string;
  /** Largest request body accepted (adapters read bodies with this limit). */
  readonly maxBodyBytes: number;
  /** Longest time a request body may take to arrive, in ms (adapters read bodies with this bound). */
  readonly bodyTimeoutMs: number;
  /** Largest answer stored (adapters stop capturing past it). */
  readonly maxEntryBytes: number;
  /** The `Strict-Transport-Security` value sent over TLS, or false. */
  readonly hsts: string | false;
  /** Prefix of the admin routes the guard answers itself, or false. */
  readonly adminPrefix: string | false;
  /** Resolves when keys are derived and stores initialised; `handle` awaits it too. */
  ready(): Promise<void>;
  /** Both phases at once, for a body the framework already read. */
  handle(request: GuardRequest): Promise<Decision>;
  /** Phase one, on the headers only: perimeter, lockout, key, admin routes. */
  admit(request: HeadView): Promise<AdmitResult>;
  /** Phase two, once the body of an admitted request is read: body policy, consent, PII, cache. */
  decide(admission: Admission, body: unknown, bodyError?: BodyError, read?: BodyReadFacts): Promise<Decision>;
  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult;
  /** Tenants' upstream LLM keys (bring your own key), stored as Fernet tokens; needs `encryption`. */
  readonly secrets: TenantSecrets;
  /** Replaces the global IP allowlist atomically (a bad list throws and leaves the old one). */
  setIpAllowlist(cidrs: readonly string[] | null): void;
  /**
   * The same, compiled in slices so a long list (100,000 ranges) never blocks the event loop for more
   * than a few ms; the old list answers until the new one is complete. Rejects on a bad list (the old
   * one stays); resolves false when a newer call's list went in first.
   */
  setIpAllowlistAsync(cidrs: readonly string[] | null, options?: { sliceMs?: number; signal?: AbortSignal }): Promise<boolean>;
  stats(tenant: string): TenantStats;
  readonly privacy: PrivacyRights;
  /** Checks this guard's own options (environment, proxies, HTTPS, encryption, allowlist, stores) as `vectorcache doctor` does. */
  doctor(): Finding[];
  /** Sees every decision's outcome and how long the gate took (for metrics); returns an unsubscribe function. */
  observe(observer: (observation: DecisionObservation) => void): () => void;
  /** Subscribe to events (in addition to the `onEvent` option); returns an unsubscribe function. */
  onEvent(listener: (event: GuardEvent) => void): () => void;
  close(): Promise<void>;
}
