// The gate: turns a framework-free request view into a decision, and stores answers on a miss.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type {
  CacheStore, CounterStore, DenyCode, GuardEvent, HeaderMap, KeyRecord, Principal, Problem, RequestView, StoredEntry,
} from './types.js';
import { normalizeOptions, type GuardOptions, type NormalizedOptions } from './options.js';
import { optionError } from './errors.js';
import { challengeHeaders, makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { cacheKey, canonicalJson, subjectHash } from './canonical.js';
import { AllowlistHolder, compileAllowlist, compileTrustProxy, type Allowlist, type ProxyTrust } from './net/index.js';
import { createKeyVerifier, extractApiKey, hasScope, keyHint } from './keys/index.js';
import { compilePii, type PiiScanner } from './pii/index.js';
import { createEntryCipher, validateEncryptionOptions } from './crypto/index.js';
import { EntryCodec, rewriteEntry } from './entries.js';
import { eraseReceipt, eraseSubject, exportSubject } from './privacy/index.js';
import { TenantSecrets } from './secrets/index.js';
import { createSuspicionDetector, resolveSuspicionOptions, simhash64, type SuspicionDetector } from './monitor/index.js';
import { MemoryCacheStore, MemoryCounterStore } from './stores/index.js';
import { StatsBook, type TenantStats } from './stats.js';
import type { BodyError } from './body.js';

/** The view plus what an adapter learnt while reading the body. */
export interface GuardRequest extends RequestView {
  bodyError?: BodyError;
}

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
}

export type Decision = DenyDecision | RespondDecision | PassDecision;

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

export interface Guard {
  readonly environment: string;
  /** Largest request body accepted (adapters read bodies with this limit). */
  readonly maxBodyBytes: number;
  /** Largest answer stored (adapters stop capturing past it). */
  readonly maxEntryBytes: number;
  /** Prefix of the admin routes the guard answers itself, or false. */
  readonly adminPrefix: string | false;
  /** Resolves when keys are derived and stores initialised; `handle` awaits it too. */
  ready(): Promise<void>;
  handle(request: GuardRequest): Promise<Decision>;
  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult;
  /** Tenants' upstream LLM keys (bring your own key), stored as Fernet tokens; needs `encryption`. */
  readonly secrets: TenantSecrets;
  /** Replaces the global IP allowlist atomically (a bad list throws and leaves the old one). */
  setIpAllowlist(cidrs: readonly string[] | null): void;
  stats(tenant: string): TenantStats;
  readonly privacy: {
    /** Deletes the subject's entries everywhere this guard's store reaches; `doNotCache` also routes their later requests direct. */
    erase(input: { tenant: string; subject: string; doNotCache?: boolean }, actor?: Principal): Promise<EraseReceipt>;
    /** Clears a "do not cache" marker left by an erase. */
    allowCache(input: { tenant: string; subject: string }, actor?: Principal): Promise<{ tenant: string; subject: string; cleared: boolean; at: string }>;
    eraseTenant(tenant: string, actor?: Principal): Promise<{ tenant: string; erased: number; at: string }>;
    export(input: { tenant: string; subject: string }, actor?: Principal): Promise<ExportResult>;
  };
  /** Sees every decision's outcome and how long the gate took (for metrics); returns an unsubscribe function. */
  observe(observer: (observation: DecisionObservation) => void): () => void;
  /** Subscribe to events (in addition to the `onEvent` option); returns an unsubscribe function. */
  onEvent(listener: (event: GuardEvent) => void): () => void;
  close(): Promise<void>;
}

const CACHE_READ = 'cache:read';
const CACHE_WRITE = 'cache:write';
const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'function', 'developer']);
/** Guards per store instance, to warn when two guards share one store by accident. */
const storeOwners = new WeakMap<object, number>();
/** How long an erase keeps in-flight hits and writes of that subject from landing. */
const ERASE_FENCE_MS = 10 * 60_000;
/** A key expiring within this window raises `key.expiring`. */
const KEY_EXPIRY_NOTICE_MS = 7 * 86_400_000;
/** How long a "do not cache" marker lasts unless cleared (ten years). */
const NO_CACHE_MS = 10 * 365 * 86_400_000;

function first(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cacheDirectives(headers: HeaderMap): { noStore: boolean; noCache: boolean; maxAgeMs?: number } {
  const raw = headers['cache-control'];
  if (raw === undefined) return { noStore: false, noCache: false };
  const text = (Array.isArray(raw) ? raw.join(',') : raw).toLowerCase();
  let noStore = false;
  let noCache = false;
  let maxAgeMs: number | undefined;
  for (const part of text.split(',')) {
    const directive = part.trim();
    if (directive === 'no-store') noStore = true;
    else if (directive === 'no-cache') noCache = true;
    else if (directive.startsWith('max-age=')) {
      const seconds = Number(directive.slice(8));
      if (Number.isSafeInteger(seconds) && seconds >= 0) maxAgeMs = seconds * 1000;
    }
  }
  return { noStore, noCache, maxAgeMs };
}

/** A light check of the OpenAI chat shape, so garbage never reaches the cache or the handler. */
function chatShapeError(body: Record<string, unknown>): string | undefined {
  if ('model' in body && typeof body.model !== 'string') return '`model` must be a string.';
  if (!('messages' in body)) return undefined;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return '`messages` must be a non-empty array.';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return `\`messages[${i}]\` must be an object.`;
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) return `\`messages[${i}].role\` must be one of ${[...ROLES].join(', ')}.`;
    const content = m.content;
    if (content === null || content === undefined) {
      if (m.role !== 'assistant') return `\`messages[${i}].content\` must be a string or an array of content parts.`;
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (typeof part !== 'object' || part === null || typeof (part as Record<string, unknown>).type !== 'string') {
          return `\`messages[${i}].content\` parts must be objects with a string \`type\`.`;
        }
      }
    } else if (typeof content !== 'string') {
      return `\`messages[${i}].content\` must be a string or an array of content parts.`;
    }
  }
  return undefined;
}

/** Constant-time comparison of two strings (false when the lengths differ). */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cache store did not answer within ${ms} ms`)), ms);
    value.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e); },
    );
  });
}

function jsonHeaderValue(headers: CapturedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

interface AdminRoute { name: 'stats' | 'export' | 'erase' | 'allow-cache' | 'unknown'; subject?: string; scope: string; doNotCache?: boolean }

/** Response headers worth replaying on a hit. */
const REPLAYED_HEADERS = ['content-type', 'content-language', 'openai-model', 'x-request-model'];

class GuardImpl implements Guard {
  readonly environment: string;
  readonly maxBodyBytes: number;
  readonly maxEntryBytes: number;
  readonly adminPrefix: string | false;
  readonly secrets: TenantSecrets;
  readonly #o: NormalizedOptions;
  readonly #cache: CacheStore | false;
  readonly #counters: CounterStore;
  readonly #trust: ProxyTrust;
  readonly #allowlist: AllowlistHolder;
  readonly #keyAllowlists = new Map<string, { source: string; list: Allowlist }>();
  readonly #verifier: ReturnType<typeof createKeyVerifier>;
  readonly #pii: PiiScanner | undefined;
  readonly #stats = new StatsBook();
  readonly #listeners = new Set<(event: GuardEvent) => void>();
  readonly #observers = new Set<(observation: DecisionObservation) => void>();
  readonly #erased = new Map<string, number>();
  readonly #rotationNoticed = new Map<string, number>();
  readonly #pending = new Map<string, Set<Promise<unknown>>>();
  readonly #noCache = new Map<string, { marked: boolean; at: number }>();
  readonly #detector: SuspicionDetector | undefined;
  readonly #fingerprintMisses: boolean;
  /** What the guard last saw of each key record, to report changes made elsewhere (CLI, other instances). */
  readonly #keyLedger = new Map<string, { revoked: boolean; rotatedTo: string | null; expiring: boolean }>();
  #stopWatchingKeys: (() => void) | undefined;
  #keyDiff: Promise<void> = Promise.resolve();
  #codec = new EntryCodec(undefined);
  #indexKey: Uint8Array = randomBytes(32);
  #ready: Promise<void>;
  #isReady = false;
  #warned = new Set<string>();

  constructor(options: GuardOptions) {
    const o = normalizeOptions(options);
    this.#o = o;
    this.environment = o.environment;
    this.maxBodyBytes = o.maxBodyBytes;
    this.maxEntryBytes = o.maxEntryBytes;
    this.adminPrefix = o.adminPrefix;
    this.#cache = o.cache === undefined ? new MemoryCacheStore() : o.cache;
    this.#counters = o.counters ?? new MemoryCounterStore();
    this.#trust = compileTrustProxy(o.trustProxy, { forwarded: o.forwardedHeader }, 'trustProxy');
    for (const w of this.#trust.warnings) this.#warn(w.code, w.message);
    this.#allowlist = new AllowlistHolder(o.ipAllowlist, 'ipAllowlist');
    this.#verifier = createKeyVerifier(o.keys, { environment: o.environment });
    this.#pii = o.pii === false ? undefined : compilePii(o.pii, 'pii');
    // Defaults: cache probing is opt-in (a prompt fingerprint on every miss costs tens of µs), and the
    // set-based patterns run only where the counter store can keep sets.
    const suspicious = o.suspicious !== undefined ? o.suspicious : typeof this.#counters.addToSet !== 'function'
      ? { credentialStuffing: false as const, retiredKey: false as const, cacheProbing: false as const }
      : { cacheProbing: false as const };
    this.#detector = suspicious === false ? undefined : createSuspicionDetector(suspicious, this.#counters, (type, fields) => this.#emit(type, fields));
    this.#fingerprintMisses = suspicious !== false && resolveSuspicionOptions(suspicious).cacheProbing !== false;

    let encryption = o.encryption === undefined ? undefined : validateEncryptionOptions(o.encryption, this.#encryptionContext());
    if (encryption === undefined && o.environment === 'prod' && this.#cache) {
      throw optionError('encryption', 'is required when environment is "prod": pass { secret: process.env.VECTORCACHE_ENCRYPTION_SECRET } (a string of at least 32 characters, e.g. from `openssl rand -hex 32`), or set cache: false.');
    }
    if (encryption === undefined && this.#cache) {
      this.#warn('VC_NO_ENCRYPTION', 'no `encryption` option: cache entries are stored in plaintext and entry names change on every restart. Set encryption: { secret } outside of development.');
    }
    if (this.#cache) {
      const owners = (storeOwners.get(this.#cache) ?? 0) + 1;
      storeOwners.set(this.#cache, owners);
      if (owners > 1) this.#warn('VC_SHARED_STORE', 'this cache store instance is already used by another guard; give each guard its own store unless they share tenants and secrets on purpose.');
    }
    this.#ready = this.#init(encryption).then(() => { this.#isReady = true; });
    this.secrets = new TenantSecrets({ codec: this.#ready.then(() => this.#codec), backend: o.secrets });
    // Avoid an unhandled rejection before anyone awaits ready(); handle() rethrows it.
    this.#ready.catch(() => undefined);
    encryption = undefined;
  }

  async #init(encryption: ReturnType<typeof validateEncryptionOptions> | undefined): Promise<void> {
    const inits: Array<unknown> = [this.#o.keys.init?.(), this.#counters.init?.(), (this.#o.secrets as { init?: () => unknown } | undefined)?.init?.()];
    if (this.#cache) inits.push(this.#cache.init?.());
    if (encryption) {
      const cipher = await createEntryCipher(encryption, this.#encryptionContext());
      this.#codec = new EntryCodec(cipher);
      this.#indexKey = cipher.indexKey;
    }
    await Promise.all(inits);
    await this.#watchKeys();
  }

  /** Subscribes to the key store's change notices; the first look records the keys without events. */
  async #watchKeys(): Promise<void> {
    const keys = this.#o.keys;
    if (typeof keys.onChange !== 'function') return;
    try {
      await this.#diffKeys(true);
    } catch {
      return; // the ledger is a report, not a gate: a store that cannot list keys still authenticates
    }
    this.#stopWatchingKeys = keys.onChange(() => {
      this.#keyDiff = this.#keyDiff.then(() => this.#diffKeys(false)).catch(() => undefined);
    });
  }

  async #diffKeys(initial: boolean): Promise<void> {
    const records = await this.#o.keys.list();
    const now = Date.now();
    for (const record of records) {
      const seen = this.#keyLedger.get(record.id);
      const revoked = Boolean(record.revokedAt);
      const rotatedTo = record.rotatedTo ?? null;
      const expiresAt = record.expiresAt ? Date.parse(record.expiresAt) : NaN;
      const expiring = !revoked && !rotatedTo && Number.isFinite(expiresAt) && expiresAt > now && expiresAt - now < KEY_EXPIRY_NOTICE_MS;
      const base = { keyId: record.id, keyHint: record.hint, tenant: record.tenant, environment: record.environment };
      if (!initial) {
        if (!seen && !record.rotatedFrom) this.#emit('key.created', { ...base, scopes: record.scopes });
        if (!seen && record.rotatedFrom) this.#emit('key.rotated', { ...base, keyId: record.rotatedFrom, successorId: record.id, successorHint: record.hint });
        if (revoked && !seen?.revoked) this.#emit('key.revoked', { ...base, revokedAt: record.revokedAt });
      }
      if (expiring && !seen?.expiring) this.#emit('key.expiring', { ...base, expiresAt: record.expiresAt });
      this.#keyLedger.set(record.id, { revoked, rotatedTo, expiring: expiring || Boolean(seen?.expiring) });
    }
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  #encryptionContext(): { environment: string; warn: (w: { code: string; message: string }) => void } {
    return { environment: this.environment, warn: (w) => this.#warn(w.code, w.message) };
  }

  #warn(code: string, message: string): void {
    if (this.#o.silenceWarnings.has(code) || this.#warned.has(code)) return;
    this.#warned.add(code);
    if (this.#o.logger) this.#o.logger.warn({ code }, `vectorcache: ${message}`);
    else process.emitWarning(`vectorcache: ${message}`, { code });
  }

  onEvent(listener: (event: GuardEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(type: string, fields: Omit<GuardEvent, 'type' | 'at'>): void {
    const event: GuardEvent = { type, at: new Date().toISOString(), ...fields };
    for (const listener of this.#listeners) {
      try { listener(event); } catch { /* a listener's bug must not break the request */ }
    }
    try { this.#o.onEvent?.(event); } catch { /* same */ }
    this.#watch(event);
    const logger = this.#o.logger;
    if (logger) {
      const level = type.startsWith('auth.') || type.startsWith('suspicious.') || type.endsWith('failure') || type.includes('exposed') ? 'warn' : 'info';
      logger[level]({ event }, type);
    }
  }

  /** Feeds the detector off the request path; a raised pattern may lock the address out. */
  #watch(event: GuardEvent): void {
    if (!this.#detector) return;
    void this.#detector.observe(event).then((result) => {
      if (result.lockout) return this.#lockOut(result.lockout.clientAddress, result.lockout.reason);
      return undefined;
    }).catch(() => undefined);
  }

  async #lockOut(clientAddress: string, reason: string): Promise<void> {
    const lockout = this.#o.lockout;
    if (!lockout) return;
    const { resetAt } = await this.#counters.increment(`lockout:${clientAddress}`, lockout.windowMs, lockout.maxFailures);
    this.#emit('auth.lockout', { clientAddress, reason, windowMs: lockout.windowMs, until: new Date(resetAt).toISOString() });
  }

  setIpAllowlist(cidrs: readonly string[] | null): void {
    this.#allowlist.set(cidrs);
  }

  stats(tenant: string): TenantStats {
    return this.#stats.get(tenant);
  }

  #deny(code: DenyCode, ctx: { requestId: string; clientAddress: string | null; tls: boolean; principal?: Principal }, extra?: { detail?: string; scope?: string; retryAfterSeconds?: number; members?: Record<string, unknown> }): DenyDecision {
    const problem = makeProblem(code, extra?.detail, extra?.members);
    const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, ...challengeHeaders(code, extra), ...this.#tlsHeaders(ctx.tls) };
    this.#stats.deny(ctx.principal?.tenant, code);
    return { kind: 'deny', status: problem.status, problem, headers, requestId: ctx.requestId, clientAddress: ctx.clientAddress, principal: ctx.principal };
  }

  #tlsHeaders(tls: boolean): Record<string, string> {
    return tls && this.#o.hsts ? { 'strict-transport-security': this.#o.hsts } : {};
  }

  async handle(request: GuardRequest): Promise<Decision> {
    if (this.#observers.size === 0) return this.#decide(request);
    const started = performance.now();
    const decision = await this.#decide(request);
    const observation: DecisionObservation = {
      outcome: decision.kind === 'deny' ? 'deny' : decision.kind === 'respond' ? decision.source : decision.cacheStatus,
      code: decision.kind === 'deny' ? decision.problem.code : undefined,
      reasons: decision.kind === 'pass' ? decision.reasons : [],
      tenant: decision.principal?.tenant,
      durationMs: performance.now() - started,
      ...(decision.kind === 'respond' && decision.source === 'hit' ? { savedMs: decision.savedMs, savedTokens: decision.savedTokens } : {}),
    };
    for (const observer of this.#observers) {
      try { observer(observation); } catch { /* an observer's bug must not break the request */ }
    }
    return decision;
  }

  observe(observer: (observation: DecisionObservation) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  async #decide(request: GuardRequest): Promise<Decision> {
    if (!this.#isReady) await this.#ready;
    const now = Date.now();
    const requestId = request.requestId ?? randomUUID();
    const headers = request.headers;
    const clientAddress = this.#trust.clientAddress(request.remoteAddress, headers);
    const secure = this.#trust.isSecure(request.encrypted, request.remoteAddress, headers);
    const ctx = { requestId, clientAddress, tls: secure } as { requestId: string; clientAddress: string | null; tls: boolean; principal?: Principal };

    // 1. HTTPS only. No redirect: the key already crossed the network in clear.
    if (this.#o.httpsOnly && !secure) {
      await this.#reportExposedKey(headers, ctx, now);
      return this.#deny('https_required', ctx);
    }
    // 2. Client address and global allowlist; an undeterminable address fails closed.
    if (clientAddress === null) {
      this.#emit('ip.denied', { requestId, clientAddress, reason: 'unparseable_address' });
      return this.#deny('ip_not_allowed', ctx, { detail: 'The client address could not be determined.' });
    }
    if (!this.#allowlist.contains(clientAddress)) {
      this.#emit('ip.denied', { requestId, clientAddress, reason: 'global_allowlist' });
      return this.#deny('ip_not_allowed', ctx);
    }
    // 3. Lockout, before the key store is touched, so a locked-out address cannot keep probing keys.
    const lockout = this.#o.lockout;
    const lockKey = `lockout:${clientAddress}`;
    if (lockout) {
      let state: { count: number; resetAt: number } | undefined;
      try {
        state = await this.#counters.get(lockKey);
      } catch {
        this.#emit('counters.unavailable', { requestId, clientAddress });
        // The key is still verified below, so a bad key is refused either way; only counting pauses.
        if (lockout.whenUnavailable === 'deny') return this.#deny('key_store_unavailable', ctx, { detail: 'The failure counter store did not answer; try again shortly.' });
      }
      if (state && state.count >= lockout.maxFailures) {
        const retryAfterSeconds = Math.max(1, Math.ceil((state.resetAt - now) / 1000));
        return this.#deny('too_many_failures', ctx, { retryAfterSeconds });
      }
    }
    // 4. API key.
    const extracted = extractApiKey(headers);
    const check = extracted.error
      ? { ok: false as const, code: extracted.error }
      : await this.#verifier.verify(extracted.key, now);
    if (!check.ok) {
      const record = 'record' in check ? check.record : undefined;
      const hint = record?.hint ?? ('hint' in check ? check.hint : undefined);
      if (check.code !== 'key_store_unavailable') {
        const locked = await this.#countFailure(lockKey, requestId, clientAddress, now);
        this.#emit('auth.failure', { requestId, clientAddress, code: check.code, keyId: record?.id, keyHint: hint, tenant: record?.tenant });
        if (record && (check.code === 'key_revoked' || (check.code === 'key_expired' && record.rotatedTo))) {
          this.#emit('suspicious.retired_key_used', { requestId, clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant, code: check.code });
        }
        if (locked) return this.#deny('too_many_failures', ctx, { retryAfterSeconds: Math.ceil(lockout ? lockout.windowMs / 1000 : 60) });
      } else {
        this.#emit('keys.unavailable', { requestId, clientAddress });
      }
      return this.#deny(check.code, { ...ctx, principal: undefined });
    }
    const record = check.record;
    const principal: Principal = {
      keyId: record.id, hint: record.hint, name: record.name, tenant: record.tenant, environment: record.environment, scopes: record.scopes,
    };
    ctx.principal = principal;
    // Not an event: the detector learns which networks each key is used from.
    this.#watch({ type: 'request.authenticated', at: new Date(now).toISOString(), requestId, keyId: record.id, keyHint: record.hint, tenant: record.tenant, clientAddress });
    if (record.allowedIps && record.allowedIps.length > 0 && !this.#keyAllowlist(record).contains(clientAddress)) {
      this.#emit('ip.denied', { requestId, clientAddress, reason: 'key_allowlist', keyId: record.id, keyHint: record.hint, tenant: record.tenant });
      this.#emit('suspicious.key_from_unexpected_network', { requestId, clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant });
      return this.#deny('ip_not_allowed', ctx);
    }

    // Key hygiene: a key past its hard maximum age is refused; one past the rotation policy is flagged.
    const hygiene = this.#keyHygiene(record, now, requestId, clientAddress);
    if (hygiene === 'too_old') {
      const locked = await this.#countFailure(lockKey, requestId, clientAddress, now);
      this.#emit('auth.failure', { requestId, clientAddress, code: 'key_expired', reason: 'max_age', keyId: record.id, keyHint: record.hint, tenant: record.tenant });
      if (locked) return this.#deny('too_many_failures', { ...ctx, principal: undefined }, { retryAfterSeconds: Math.ceil(lockout ? lockout.windowMs / 1000 : 60) });
      return this.#deny('key_expired', { ...ctx, principal: undefined }, { detail: 'The API key is older than the maximum key age; create a new one.' });
    }
    const extraHeaders = hygiene ?? {};

    // 5. Admin routes answer here and need their own scope.
    const admin = this.#adminRoute(request);
    if (admin) return this.#admin(admin, ctx, principal, extraHeaders);

    // 6. Body problems are reported only to authenticated callers.
    if (request.bodyError) return this.#deny(request.bodyError, ctx);
    const declared = Number(first(headers, 'content-length'));
    if (Number.isFinite(declared) && declared > this.#o.maxBodyBytes) return this.#deny('body_too_large', ctx);

    this.#stats.request(record.tenant);
    const base = { headers: { ...this.#tlsHeaders(secure), ...extraHeaders }, requestId, clientAddress, principal };
    const method = request.method.toUpperCase();
    const body = request.body;
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    if (isObject) {
      const shape = chatShapeError(body as Record<string, unknown>);
      if (shape) return this.#deny('invalid_body', ctx, { detail: shape });
    }

    const reasons: string[] = [];
    let handlerBody: unknown = body;
    let bodyReplaced = false;
    const cacheable = method === 'POST' && isObject && this.#cache !== false;
    if (!this.#cache) reasons.push('cache_disabled');
    else if (!(method === 'POST' && isObject)) reasons.push('not_cacheable');
    if (isObject && (body as Record<string, unknown>).stream === true) reasons.push('streaming');

    // 7. Consent, including the "do not cache" marker an erase may leave.
    const subjectId = this.#subjectOf(request);
    const subject = subjectId === undefined ? undefined : subjectHash(this.#indexKey, record.tenant, subjectId);
    if (cacheable && ((this.#o.requireConsent && !this.#hasConsent(request)) || (subject !== undefined && await this.#isNoCache(record.tenant, subject)))) {
      reasons.push('no_consent');
    }

    // 8. PII: scanned whenever there is a body, since block and redact apply to direct requests too.
    if (this.#pii && body !== undefined) {
      const verdict = this.#pii.inspect(body, request.raw);
      if (verdict.action !== 'none') {
        const detectors = Object.keys(verdict.counts);
        this.#emit('pii.detected', { requestId, clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant, action: verdict.action, detectors: verdict.counts });
        if (verdict.action === 'block') return this.#deny('pii_detected', ctx, { detail: `The request contains personal data (${detectors.join(', ')}).`, members: { detectors } });
        if (verdict.action === 'bypass') reasons.push('pii');
        else if (verdict.action === 'too_large') reasons.push('too_large_to_scan');
        else if (verdict.action === 'redact') {
          handlerBody = verdict.body;
          bodyReplaced = true;
        }
      }
    }

    // 9. Client cache controls and cache scopes.
    const directives = cacheDirectives(headers);
    if (directives.noCache) reasons.push('client_no_cache');
    const canRead = hasScope(record.scopes, CACHE_READ);
    const canWrite = hasScope(record.scopes, CACHE_WRITE) && !directives.noStore;
    if (!canRead) reasons.push('no_cache_scope');

    if (reasons.length > 0 && !(reasons.length === 1 && reasons[0] === 'no_cache_scope' && canWrite)) {
      return this.#bypass(base, reasons, handlerBody, bodyReplaced, record.tenant);
    }

    // 10. Route CACHE.
    const b = handlerBody as Record<string, unknown>;
    const model = typeof b.model === 'string' ? b.model : '';
    const request_ = canonicalJson(handlerBody, this.#o.ignoreFields);
    const route = `${method} ${request.url.split('?', 1)[0]}`;
    const key = cacheKey(this.#indexKey, { tenant: record.tenant, route, subject, model, canonical: request_ });
    const ttlMs = directives.maxAgeMs === undefined ? this.#o.ttlMs : Math.min(this.#o.ttlMs, directives.maxAgeMs);
    const ticket: CacheTicket = { key, tenant: record.tenant, model, subject, request: request_, ttlMs, startedAt: now, requestId, principal, clientAddress };

    if (!canRead) {
      // A write-only key (e.g. a cache warmer) populates the cache but is never answered from it.
      return this.#bypass(base, reasons, handlerBody, bodyReplaced, record.tenant, ticket);
    }
    let entry: StoredEntry | undefined;
    try {
      entry = await withTimeout((this.#cache as CacheStore).get(key), this.#o.cacheTimeoutMs);
    } catch (error) {
      if ((error as Error | undefined)?.name === 'CorruptEntryError') {
        // A damaged entry is a miss to repair, not an outage: report, delete, and go on to the handler.
        this.#integrityFailure(key, requestId, principal, 'entry');
        entry = undefined;
      } else {
        this.#emit('cache.unavailable', { requestId, clientAddress, tenant: record.tenant, operation: 'get' });
        return this.#bypass(base, ['cache_unavailable'], handlerBody, bodyReplaced, record.tenant);
      }
    }
    if (entry) {
      const hit = this.#serveHit(entry, ticket, base);
      if (hit) return hit;
    }
    this.#stats.miss(record.tenant);
    // Only misses can be probes for near-duplicates; the fingerprint is cheap next to the upstream call.
    if (this.#fingerprintMisses) {
      this.#watch({ type: 'cache.lookup', at: new Date(now).toISOString(), requestId, tenant: record.tenant, keyId: record.id, clientAddress, promptSimhash: simhash64(request_), promptKey: key });
    }
    const pass: PassDecision = {
      kind: 'pass', route: 'cache', cacheStatus: 'miss', reasons: [], body: handlerBody, bodyReplaced,
      ...base, headers: { ...base.headers, 'x-vectorcache-status': 'miss' },
    };
    if (canWrite) pass.ticket = ticket;
    return pass;
  }

  #bypass(base: DecisionBase, reasons: string[], body: unknown, bodyReplaced: boolean, tenant: string, ticket?: CacheTicket): PassDecision {
    for (const reason of reasons) this.#stats.bypass(tenant, reason);
    return {
      kind: 'pass', route: ticket ? 'cache' : 'direct', cacheStatus: 'bypass', reasons, body, bodyReplaced, ticket,
      ...base, headers: { ...base.headers, 'x-vectorcache-status': 'bypass', 'x-vectorcache-reason': reasons.join(', ') },
    };
  }

  /** Decrypts and checks a found entry; anything doubtful is a miss, never served. */
  #serveHit(entry: StoredEntry, ticket: CacheTicket, base: DecisionBase): RespondDecision | undefined {
    const now = Date.now();
    if (entry.tenant !== ticket.tenant || entry.expiresAt <= now || this.#erasedSince(entry.tenant, entry.subject, entry.createdAt)) return undefined;
    let response: string;
    let stale: boolean;
    try {
      const opened = this.#codec.open(entry, 'response');
      response = opened.text;
      stale = opened.stale;
      // The answer must belong to this entry name: one HMAC, or (entries written before bindings
      // existed) the stored prompt compared with this request's.
      const bound = entry.bind !== undefined
        ? safeEqual(entry.bind, this.#bind(ticket.key, response))
        : this.#codec.open(entry, 'request').text === ticket.request;
      if (!bound) throw new Error('entry belongs to another request');
    } catch {
      this.#integrityFailure(ticket.key, ticket.requestId, ticket.principal, 'response');
      return undefined;
    }
    if ((stale || entry.bind === undefined) && this.#cache && this.#codec.encrypting) this.#resealLater(ticket.key, entry);
    this.#stats.hit(ticket.tenant, entry.elapsedMs ?? 0, entry.tokens ?? 0);
    const age = Math.max(0, Math.floor((now - entry.createdAt) / 1000));
    return {
      kind: 'respond', status: entry.status, body: response, source: 'hit', savedMs: entry.elapsedMs ?? 0, savedTokens: entry.tokens ?? 0,
      ...base,
      headers: { ...entry.headers, ...base.headers, 'x-vectorcache-status': 'hit', age: String(age) },
    };
  }

  /** An entry that fails to open: reported and deleted, never served. */
  #integrityFailure(key: string, requestId: string, principal: Principal, field: string): void {
    this.#emit('cache.integrity_failure', { requestId, tenant: principal.tenant, keyId: principal.keyId, keyHint: principal.hint, field });
    const cache = this.#cache;
    if (cache) void Promise.resolve().then(() => cache.delete(key)).catch(() => undefined);
  }

  /** The binding of an answer to its entry name (see `StoredEntry.bind`). */
  #bind(key: string, response: string): string {
    return createHmac('sha256', this.#indexKey).update('bind\0').update(key).update('\0').update(response).digest('base64url');
  }

  /** Rewrites an entry under the newest key (and with its binding) in the background; failures are harmless. */
  #resealLater(key: string, entry: StoredEntry): void {
    const cache = this.#cache;
    if (!cache || this.#erasedSince(entry.tenant, entry.subject, entry.createdAt)) return;
    void Promise.resolve().then(() => {
      const bound = entry.bind !== undefined ? entry : { ...entry, bind: this.#bind(key, this.#codec.open(entry, 'response').text) };
      return rewriteEntry(cache, key, bound, this.#codec);
    }).catch(() => undefined);
  }

  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult {
    const skip = (reason?: string): CompleteResult => ({ stored: false, reason, done: Promise.resolve() });
    const cache = this.#cache;
    if (!cache) return skip();
    if (response.status !== 200) return skip('not_cacheable');
    if (response.headers['set-cookie'] !== undefined) return skip('not_cacheable');
    const cc = (jsonHeaderValue(response.headers, 'cache-control') ?? '').toLowerCase();
    if (/(^|[,\s])(private|no-store)([,\s=]|$)/.test(cc)) return skip('not_cacheable');
    const type = (jsonHeaderValue(response.headers, 'content-type') ?? '').toLowerCase();
    if (!type.startsWith('application/json') && !/^application\/[^;]+\+json/.test(type)) return skip('not_cacheable');
    const text = typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8');
    const size = Buffer.byteLength(text);
    if (size > this.#o.maxEntryBytes) return skip('not_cacheable');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return skip('not_cacheable');
    }
    if (this.#erasedSince(ticket.tenant, ticket.subject, ticket.startedAt)) return skip();
    if (this.#pii) {
      const verdict = this.#pii.inspect(parsed);
      if (verdict.action !== 'none') {
        this.#emit('pii.detected_in_response', { requestId: ticket.requestId, keyId: ticket.principal.keyId, keyHint: ticket.principal.hint, tenant: ticket.tenant, detectors: verdict.counts });
        this.#stats.bypass(ticket.tenant, 'pii_in_response');
        return skip('pii_in_response');
      }
    }
    const now = Date.now();
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = jsonHeaderValue(response.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const usage = (parsed as { usage?: { total_tokens?: unknown } } | null)?.usage;
    const tokens = typeof usage?.total_tokens === 'number' ? usage.total_tokens : undefined;
    const entry: StoredEntry = {
      v: 1, tenant: ticket.tenant, model: ticket.model, subject: ticket.subject, createdAt: now, expiresAt: now + ticket.ttlMs,
      ...this.#codec.seal({ request: ticket.request, response: text }),
      status: 200, headers, size, elapsedMs: now - ticket.startedAt, tokens, bind: this.#bind(ticket.key, text),
    };
    if (entry.subject === undefined) delete entry.subject;
    if (entry.tokens === undefined) delete entry.tokens;
    const write = Promise.resolve().then(() => cache.set(ticket.key, entry, ticket.ttlMs)).then(async () => {
      // An erase that ran while this write was on its way, here or on another instance, must win.
      if (this.#erasedSince(ticket.tenant, ticket.subject, ticket.startedAt) || await this.#erasedElsewhere(ticket)) await cache.delete(ticket.key);
    });
    const release = this.#track(ticket, write);
    const done = withTimeout(write, this.#o.cacheTimeoutMs * 5).then(
      () => undefined,
      () => { this.#emit('cache.unavailable', { requestId: ticket.requestId, tenant: ticket.tenant, operation: 'set' }); },
    );
    write.then(release, release);
    return { stored: true, done };
  }

  /** Remembers a write in flight under its tenant and subject, so an erase can wait for it. */
  #track(ticket: CacheTicket, write: Promise<unknown>): () => void {
    const names = [`t:${ticket.tenant}`];
    if (ticket.subject !== undefined) names.push(`s:${ticket.tenant}:${ticket.subject}`);
    for (const name of names) {
      let set = this.#pending.get(name);
      if (!set) this.#pending.set(name, (set = new Set()));
      set.add(write);
    }
    return () => {
      for (const name of names) {
        const set = this.#pending.get(name);
        set?.delete(write);
        if (set && set.size === 0) this.#pending.delete(name);
      }
    };
  }

  /** Waits (bounded) for writes in flight under a name, so they land before the erase deletes. */
  async #drain(name: string): Promise<void> {
    const writes = this.#pending.get(name);
    if (!writes || writes.size === 0) return;
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.#o.cacheTimeoutMs * 10).unref());
    await Promise.race([Promise.allSettled([...writes]), bound]);
  }

  async #reportExposedKey(headers: HeaderMap, ctx: { requestId: string; clientAddress: string | null }, now: number): Promise<void> {
    const extracted = extractApiKey(headers);
    if (!extracted.key) return;
    let keyId: string | undefined;
    let tenant: string | undefined;
    try {
      const check = await this.#verifier.verify(extracted.key, now);
      const record = check.ok ? check.record : 'record' in check ? check.record : undefined;
      keyId = record?.id;
      tenant = record?.tenant;
    } catch { /* reporting is best effort */ }
    this.#emit('key.exposed_over_http', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId, keyHint: keyHint(extracted.key), tenant });
  }

  async #countFailure(lockKey: string, requestId: string, clientAddress: string | null, now: number): Promise<boolean> {
    const lockout = this.#o.lockout;
    if (!lockout) return false;
    try {
      const { count, resetAt } = await this.#counters.increment(lockKey, lockout.windowMs);
      if (count === lockout.maxFailures) {
        this.#emit('auth.lockout', { requestId, clientAddress, failures: count, windowMs: lockout.windowMs, until: new Date(resetAt).toISOString() });
      }
      return count > lockout.maxFailures && resetAt > now;
    } catch {
      this.#emit('counters.unavailable', { requestId, clientAddress });
      return false;
    }
  }

  /** 'too_old' past maxKeyAge; a Warning header past the rotation policy (event at most daily per key). */
  #keyHygiene(record: KeyRecord, now: number, requestId: string, clientAddress: string | null): 'too_old' | Record<string, string> | undefined {
    const created = Date.parse(record.createdAt);
    if (!Number.isFinite(created)) return undefined;
    const ageMs = now - created;
    if (this.#o.maxKeyAgeMs !== undefined && ageMs > this.#o.maxKeyAgeMs) return 'too_old';
    const policy = this.#o.keyRotationMs;
    if (policy === undefined || ageMs <= policy) return undefined;
    const days = Math.floor(policy / 86_400_000);
    const last = this.#rotationNoticed.get(record.id);
    if (last === undefined || now - last > 86_400_000) {
      this.#rotationNoticed.set(record.id, now);
      this.#emit('key.rotation_due', { requestId, clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant, ageDays: Math.floor(ageMs / 86_400_000), policyDays: days });
    }
    // The id, not the hint: header values must be Latin-1 and the hint holds an ellipsis.
    return { warning: `299 vectorcache "API key ${record.id} is older than ${days} days; rotate it"` };
  }

  #keyAllowlist(record: KeyRecord): Allowlist {
    const source = record.allowedIps!.join(',');
    const cached = this.#keyAllowlists.get(record.id);
    if (cached && cached.source === source) return cached.list;
    let list: Allowlist;
    try {
      list = compileAllowlist(record.allowedIps!, `key ${record.id} allowedIps`);
    } catch {
      // A broken per-key list must deny, not allow.
      list = { contains: () => false, size: 0 };
    }
    this.#keyAllowlists.set(record.id, { source, list });
    return list;
  }

  #subjectOf(request: GuardRequest): string | undefined {
    if (this.#o.subject) {
      const id = this.#o.subject(request.raw);
      return typeof id === 'string' && id.length > 0 ? id : undefined;
    }
    const raw = first(request.headers, 'x-vectorcache-subject');
    if (!raw) return undefined;
    // Node hands header bytes over as Latin-1; a UTF-8 id must hash like its percent-encoded admin path.
    const bytes = Buffer.from(raw, 'latin1');
    const utf8 = bytes.toString('utf8');
    const id = Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : raw;
    return id.length > 0 && id.length <= 256 ? id : undefined;
  }

  #hasConsent(request: GuardRequest): boolean {
    if (this.#o.consent) {
      try { return this.#o.consent(request.raw) === true; } catch { return false; }
    }
    return (first(request.headers, 'x-vectorcache-consent') ?? '').trim().toLowerCase() === 'granted';
  }

  // ------------------------------------------------------------------ privacy

  #erasedSince(tenant: string, subject: string | undefined, since: number): boolean {
    const t = this.#erased.get(`t:${tenant}`);
    if (t !== undefined && t >= since) return true;
    if (subject === undefined) return false;
    const s = this.#erased.get(`s:${tenant}:${subject}`);
    return s !== undefined && s >= since;
  }

  #fence(key: string): void {
    const now = Date.now();
    this.#erased.set(key, now);
    for (const [k, at] of this.#erased) if (now - at > ERASE_FENCE_MS) this.#erased.delete(k);
  }

  /**
   * The fence shared with other instances through the counter store: each erase restarts a window,
   * so `resetAt - ERASE_FENCE_MS` is when the latest erase of that subject (or tenant) happened.
   */
  async #shareFence(key: string): Promise<void> {
    try {
      await this.#counters.reset(`erased:${key}`);
      await this.#counters.increment(`erased:${key}`, ERASE_FENCE_MS);
    } catch {
      this.#emit('counters.unavailable', { operation: 'erase_fence' });
    }
  }

  /** True when another instance erased the ticket's subject or tenant after the request started. */
  async #erasedElsewhere(ticket: CacheTicket): Promise<boolean> {
    const names = [`erased:t:${ticket.tenant}`];
    if (ticket.subject !== undefined) names.push(`erased:s:${ticket.tenant}:${ticket.subject}`);
    for (const name of names) {
      try {
        const state = await this.#counters.get(name);
        if (state && state.resetAt - ERASE_FENCE_MS >= ticket.startedAt) return true;
      } catch {
        return true; // cannot tell: the entry goes rather than risk keeping erased data
      }
    }
    return false;
  }

  readonly privacy = {
    erase: async (input: { tenant: string; subject: string; doNotCache?: boolean }, actor?: Principal): Promise<EraseReceipt> => {
      await this.#ready;
      const cache = this.#cache;
      const subject = subjectHash(this.#indexKey, input.tenant, input.subject);
      const name = `s:${input.tenant}:${subject}`;
      this.#fence(name);
      await this.#shareFence(name);
      await this.#drain(name);
      const erased = cache ? await eraseSubject(cache, input.tenant, subject) : 0;
      // Fence again: a write that was in flight during the delete must not land either.
      this.#fence(name);
      if (input.doNotCache) await this.#setNoCache(input.tenant, subject, true);
      const receipt: EraseReceipt = { ...eraseReceipt(input.tenant, subject, erased), ...(input.doNotCache ? { doNotCache: true } : {}) };
      this.#emit('privacy.erased', { tenant: input.tenant, keyId: actor?.keyId, keyHint: actor?.hint, receipt });
      return receipt;
    },
    allowCache: async (input: { tenant: string; subject: string }, actor?: Principal): Promise<{ tenant: string; subject: string; cleared: boolean; at: string }> => {
      await this.#ready;
      const subject = subjectHash(this.#indexKey, input.tenant, input.subject);
      await this.#setNoCache(input.tenant, subject, false);
      const receipt = { tenant: input.tenant, subject, cleared: true, at: new Date().toISOString() };
      this.#emit('privacy.do_not_cache_cleared', { tenant: input.tenant, keyId: actor?.keyId, keyHint: actor?.hint, receipt });
      return receipt;
    },
    eraseTenant: async (tenant: string, actor?: Principal): Promise<{ tenant: string; erased: number; at: string }> => {
      await this.#ready;
      this.#fence(`t:${tenant}`);
      await this.#shareFence(`t:${tenant}`);
      await this.#drain(`t:${tenant}`);
      const erased = this.#cache ? await this.#cache.deleteTenant(tenant) : 0;
      this.#fence(`t:${tenant}`);
      const receipt = { tenant, erased, at: new Date().toISOString() };
      this.#emit('privacy.tenant_erased', { tenant, keyId: actor?.keyId, keyHint: actor?.hint, receipt });
      return receipt;
    },
    export: async (input: { tenant: string; subject: string }, actor?: Principal): Promise<ExportResult> => {
      await this.#ready;
      const cache = this.#cache || undefined;
      const subject = subjectHash(this.#indexKey, input.tenant, input.subject);
      const entries = cache
        ? await exportSubject(cache, this.#codec, input.tenant, subject, {
          onStale: (key, entry) => { void Promise.resolve().then(() => rewriteEntry(cache, key, entry, this.#codec)).catch(() => undefined); },
          onIntegrityFailure: () => this.#emit('cache.integrity_failure', { tenant: input.tenant, field: 'export' }),
        })
        : [];
      const result = { tenant: input.tenant, subject, at: new Date().toISOString(), entries };
      this.#emit('privacy.exported', { tenant: input.tenant, keyId: actor?.keyId, keyHint: actor?.hint, receipt: { tenant: input.tenant, subject, exported: entries.length, at: result.at } });
      return result;
    },
  };

  /**
   * The "do not cache" marker an erase can leave: kept in the counter store (shared across instances),
   * read through a one-second local cache, and failing closed (a store error reads as marked).
   */
  async #isNoCache(tenant: string, subject: string): Promise<boolean> {
    const name = `nocache:${tenant}:${subject}`;
    const cached = this.#noCache.get(name);
    const now = Date.now();
    if (cached && now - cached.at < 1000) return cached.marked;
    let marked: boolean;
    try {
      marked = ((await this.#counters.get(name))?.count ?? 0) > 0;
    } catch {
      return true;
    }
    if (this.#noCache.size > 10_000) this.#noCache.clear();
    this.#noCache.set(name, { marked, at: now });
    return marked;
  }

  async #setNoCache(tenant: string, subject: string, marked: boolean): Promise<void> {
    const name = `nocache:${tenant}:${subject}`;
    if (marked) await this.#counters.increment(name, NO_CACHE_MS);
    else await this.#counters.reset(name);
    this.#noCache.set(name, { marked, at: Date.now() });
    if (marked) this.#emit('privacy.do_not_cache_set', { tenant, receipt: { tenant, subject } });
  }

  // ------------------------------------------------------------------ admin routes

  #adminRoute(request: GuardRequest): AdminRoute | undefined {
    const prefix = this.#o.adminPrefix;
    if (!prefix) return undefined;
    const path = request.url.split('?', 1)[0]!;
    if (path !== prefix && !path.startsWith(prefix + '/')) return undefined;
    const rest = path.slice(prefix.length);
    const method = request.method.toUpperCase();
    if (rest === '/stats' && (method === 'GET' || method === 'HEAD')) return { name: 'stats', scope: 'analytics:read' };
    const match = /^\/subjects\/([^/]+)(\/export|\/do-not-cache)?$/.exec(rest);
    if (match) {
      let subject: string;
      try { subject = decodeURIComponent(match[1]!); } catch { return { name: 'unknown', scope: 'privacy:admin' }; }
      const query = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '');
      if (match[2] === '/export' && (method === 'GET' || method === 'HEAD')) return { name: 'export', subject, scope: 'privacy:admin' };
      if (match[2] === '/do-not-cache' && method === 'DELETE') return { name: 'allow-cache', subject, scope: 'privacy:admin' };
      if (!match[2] && method === 'DELETE') return { name: 'erase', subject, scope: 'privacy:admin', doNotCache: /^(1|true)$/i.test(query.get('doNotCache') ?? '') };
    }
    return { name: 'unknown', scope: 'keys:admin' };
  }

  async #admin(route: AdminRoute, ctx: { requestId: string; clientAddress: string | null; tls: boolean; principal?: Principal }, principal: Principal, extraHeaders: Record<string, string>): Promise<Decision> {
    if (route.name === 'unknown') return this.#deny('not_found', ctx);
    if (!hasScope(principal.scopes, route.scope)) {
      this.#emit('auth.scope_denied', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: principal.keyId, keyHint: principal.hint, tenant: principal.tenant, scope: route.scope });
      return this.#deny('insufficient_scope', ctx, { scope: route.scope, detail: `This endpoint needs the scope \`${route.scope}\`.` });
    }
    const respond = (status: number, value: unknown, extra?: Record<string, string>): RespondDecision => ({
      kind: 'respond', status, body: JSON.stringify(value), source: 'admin',
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...this.#tlsHeaders(ctx.tls), ...extraHeaders, ...extra },
      requestId: ctx.requestId, clientAddress: ctx.clientAddress, principal,
    });
    // A key only ever acts on its own tenant, so one tenant's admin can never reach another's subjects.
    if (route.name === 'stats') return respond(200, this.#stats.get(principal.tenant));
    if (route.name === 'erase') return respond(200, await this.privacy.erase({ tenant: principal.tenant, subject: route.subject!, doNotCache: route.doNotCache }, principal));
    if (route.name === 'allow-cache') return respond(200, await this.privacy.allowCache({ tenant: principal.tenant, subject: route.subject! }, principal));
    const exported = await this.privacy.export({ tenant: principal.tenant, subject: route.subject! }, principal);
    return respond(200, exported, { 'content-disposition': `attachment; filename="vectorcache-export-${exported.subject.slice(0, 16)}.json"` });
  }

  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    this.#stopWatchingKeys?.();
    await Promise.all([
      this.#o.keys.shutdown?.(), this.#counters.shutdown?.(), this.#cache ? this.#cache.shutdown?.() : undefined,
      (this.#o.secrets as { shutdown?: () => unknown } | undefined)?.shutdown?.(),
    ]);
  }
}

/** Builds a guard. Options are validated here, once; the per-request path only acts. */
export function createGuard(options: GuardOptions): Guard {
  return new GuardImpl(options);
}

/** True when `x` is a guard made by createGuard (adapters accept either options or a guard). */
export function isGuard(x: unknown): x is Guard {
  return x instanceof GuardImpl;
}
