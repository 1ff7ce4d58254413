// The guard: builds the gate's stages and the cache once from validated options, then only acts per request.
import type { BodyError } from './body.js';
import type {
  Admission, AdmitResult, BodyReadFacts, CacheTicket, CapturedResponse, CompleteResult, Decision, DecisionObservation, Guard, GuardRequest, HeadView, PrivacyRights,
} from './contract.js';
import type { CacheStore, CounterStore, GuardEvent } from './types.js';
import { normalizeOptions, type GuardOptions, type NormalizedOptions } from './options.js';
import { optionError } from './errors.js';
import { compilePii } from './pii/index.js';
import { createEntryCipher, validateEncryptionOptions, type EncryptionOptions } from './crypto/index.js';
import { TenantSecrets } from './secrets/index.js';
import { createSuspicionDetector, resolveSuspicionOptions } from './monitor/suspicious.js';
import { EventHub } from './monitor/hub.js';
import { KeyLedger } from './monitor/key-ledger.js';
import { MemoryCacheStore, MemoryCounterStore } from './stores/index.js';
import { StatsBook, type TenantStats } from './stats.js';
import { Replies } from './gate/replies.js';
import { Perimeter } from './gate/perimeter.js';
import { Lockout } from './gate/lockout.js';
import { Authenticator } from './gate/authenticate.js';
import { AdminRoutes } from './gate/admin.js';
import { BodyPolicy } from './gate/body-policy.js';
import { PiiStage } from './gate/pii.js';
import { MissWatch } from './gate/miss-watch.js';
import { Observers } from './gate/observers.js';
import { AdmittedRequest, Pipeline } from './gate/pipeline.js';
import { EntryKeys } from './cache/entry-keys.js';
import { WriteTracker } from './cache/writes.js';
import { ExactLookup } from './cache/exact.js';
import { HitServer } from './cache/hit.js';
import { Completer } from './cache/complete.js';
import { CacheRouter } from './cache/router.js';
import { Coalescer } from './cache/coalesce.js';
import { Flights, type Flight } from './cache/single-flight.js';
import { ResponseRecorder } from './cache/recorder.js';
import { StreamReplays } from './cache/stream-hit.js';
import { EraseFences, privacyStateTenant } from './privacy/fences.js';
import { PartitionedCounterStore } from './stores/partitioned-counter-store.js';
import { DoNotCacheMarkers } from './privacy/no-cache.js';
import { createPrivacyRights } from './privacy/rights.js';
import { SemanticLookup } from './semantic/lookup.js';
import { diagnoseOptions, type Finding } from './doctor/index.js';

/** Marks guards across module copies: a guard made by the CJS build is still a guard to the ESM adapters. */
const GUARD_BRAND = Symbol.for('vectorcache.guard');
/** Guards per store instance, to warn when two guards share one store by accident. */
const storeOwners = new WeakMap<object, number>();

/** The cache half of the guard: present unless `cache: false`. */
interface CacheParts {
  store: CacheStore; router: CacheRouter; completer: Completer; semantic: SemanticLookup | undefined;
  replays: StreamReplays; coalescer: Coalescer | undefined;
}

class GuardImpl implements Guard {
  readonly [GUARD_BRAND] = true;
  readonly environment: string;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly maxEntryBytes: number;
  readonly adminPrefix: string | false;
  readonly hsts: string | false;
  readonly secrets: TenantSecrets;
  readonly privacy: PrivacyRights;
  readonly #o: NormalizedOptions;
  /** The options as given, for doctor(): findings speak of what the user wrote. */
  readonly #input: GuardOptions;
  readonly #hub: EventHub;
  readonly #stats = new StatsBook();
  readonly #observers = new Observers();
  readonly #keys = new EntryKeys();
  readonly #counters: CounterStore;
  readonly #perimeter: Perimeter;
  readonly #cache: CacheParts | undefined;
  readonly #pipeline: Pipeline;
  readonly #ledger: KeyLedger;
  readonly #ready: Promise<void>;
  /** Flights led by a ticket's request, settled by `complete` (whichever way the adapter reached it). */
  readonly #leaders = new WeakMap<CacheTicket, Flight>();
  #isReady = false;
  /** Sweeps expired vectors out of the semantic index. */
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: GuardOptions) {
    const o = normalizeOptions(options);
    this.#o = o;
    this.#input = options;
    this.environment = o.environment;
    this.maxBodyBytes = o.maxBodyBytes;
    this.bodyTimeoutMs = o.bodyTimeoutMs;
    this.maxEntryBytes = o.maxEntryBytes;
    this.adminPrefix = o.adminPrefix;
    this.hsts = o.hsts;
    const hub = (this.#hub = new EventHub(o));
    this.#ledger = new KeyLedger(o.keys, hub);
    const counters = (this.#counters = o.counters ?? new MemoryCounterStore());
    const stats = this.#stats;
    const replies = new Replies(o.hsts, stats);
    const lockout = new Lockout(o.lockout, { counters, hub, replies });
    const authenticator = new Authenticator(o, { hub, replies, lockout });
    this.#perimeter = new Perimeter(o, { hub, replies, verifier: authenticator.verifier });
    const scanner = o.pii === false ? undefined : compilePii(o.pii, 'pii');
    const fingerprintMisses = this.#attachDetector(lockout);
    const encryption = this.#checkEncryption(o);
    const store = o.cache === undefined ? new MemoryCacheStore() : o.cache;
    const state = privacyStateOf(o, hub);
    const fences = new EraseFences(state, hub);
    const markers = new DoNotCacheMarkers(state, hub);
    const writes = new WriteTracker(o.cacheTimeoutMs * 10);
    this.#cache = store ? this.#buildCache(store, { fences, writes, scanner }) : undefined;
    this.#ready = this.#init(encryption).then(() => { this.#isReady = true; });
    // Avoid an unhandled rejection before anyone awaits ready(); handle() rethrows it.
    this.#ready.catch(() => undefined);
    this.secrets = new TenantSecrets({ codec: this.#ready.then(() => this.#keys.codec), backend: o.secrets });
    const cacheParts = this.#cache;
    // Nothing made before an erase may be handed out after it: kept replays, waiting followers and vectors go.
    const onErase = cacheParts ? async (owner: { tenant: string; subject?: string }) => {
      cacheParts.replays.clear();
      cacheParts.coalescer?.releaseAll();
      await cacheParts.semantic?.erase(owner);
    } : undefined;
    this.privacy = createPrivacyRights({ ready: () => this.#ready, cache: store, keys: this.#keys, fences, markers, writes, hub, onErase });
    const admin = new AdminRoutes(o.adminPrefix, { privacy: this.privacy, stats, hub, replies });
    this.#pipeline = new Pipeline({
      perimeter: this.#perimeter, lockout, authenticator, admin, body: new BodyPolicy(o, replies),
      pii: new PiiStage(scanner, { hub, replies }), replies, stats, markers, router: this.#cache?.router, keys: this.#keys,
      missWatch: new MissWatch(fingerprintMisses, hub),
      coalescer: cacheParts?.coalescer, recorder: cacheParts ? (ticket, flight) => this.#recorder(ticket, flight) : undefined,
    }, o);
  }

  /** Defaults: cache probing is opt-in, and the set-based patterns run only where the counter store keeps sets. */
  #attachDetector(lockout: Lockout): boolean {
    const o = this.#o;
    const suspicious = o.suspicious !== undefined ? o.suspicious : typeof this.#counters.addToSet !== 'function'
      ? { credentialStuffing: false as const, retiredKey: false as const, cacheProbing: false as const }
      : { cacheProbing: false as const };
    if (suspicious === false) return false;
    const detector = createSuspicionDetector(suspicious, this.#counters, (type, fields) => this.#hub.emit(type, fields));
    this.#hub.attach(detector, (l) => lockout.lockOut(l.clientAddress, l.reason));
    return resolveSuspicionOptions(suspicious).cacheProbing !== false;
  }

  #checkEncryption(o: NormalizedOptions): EncryptionOptions | undefined {
    const warn = (w: { code: string; message: string }): void => this.#hub.warn(w.code, w.message);
    const encryption = o.encryption === undefined ? undefined : validateEncryptionOptions(o.encryption, { environment: o.environment, warn });
    const caching = o.cache !== false;
    if (encryption === undefined && o.environment === 'prod' && caching) {
      throw optionError('encryption', 'is required when environment is "prod": pass { secret: process.env.VECTORCACHE_ENCRYPTION_SECRET } (a string of at least 32 characters, e.g. from `openssl rand -hex 32`), or set cache: false.');
    }
    if (encryption === undefined && caching) {
      this.#hub.warn('VC_NO_ENCRYPTION', 'no `encryption` option: cache entries are stored in plaintext and entry names change on every restart. Set encryption: { secret } outside of development.');
    }
    return encryption;
  }

  #buildCache(store: CacheStore, d: { fences: EraseFences; writes: WriteTracker; scanner: ReturnType<typeof compilePii> | undefined }): CacheParts {
    const owners = (storeOwners.get(store) ?? 0) + 1;
    storeOwners.set(store, owners);
    if (owners > 1) this.#hub.warn('VC_SHARED_STORE', 'this cache store instance is already used by another guard; give each guard its own store unless they share tenants and secrets on purpose.');
    const o = this.#o;
    const hub = this.#hub;
    const { chunkWords, paceMs, replayCacheBytes, singleFlight } = o.streaming;
    const replays = new StreamReplays({ chunkWords, paceMs, cacheBytes: replayCacheBytes });
    const hits = new HitServer({ cache: store, keys: this.#keys, fences: d.fences, stats: this.#stats, hub, replays });
    const exact = new ExactLookup(store, o.cacheTimeoutMs, (key, request) => hits.integrityFailure(key, request.ticket.requestId, request.ticket.principal, 'entry'));
    const router = new CacheRouter([exact], hits, hub);
    const semantic = o.semantic && new SemanticLookup(o.semantic, {
      cache: store, keys: this.#keys, stats: this.#stats, pii: d.scanner, ignoreFields: o.ignoreFields, cacheTimeoutMs: o.cacheTimeoutMs, hub,
    });
    if (semantic) router.add(semantic);
    const completer = new Completer({
      cache: store, keys: this.#keys, fences: d.fences, writes: d.writes, pii: d.scanner, stats: this.#stats, hub,
      maxEntryBytes: o.maxEntryBytes, cacheTimeoutMs: o.cacheTimeoutMs, onStored: (ticket, _entry, answer) => router.stored(ticket, answer),
    });
    const coalescer = singleFlight ? new Coalescer(new Flights({ maxBytes: o.maxEntryBytes, waitMs: singleFlight.waitMs }), this.#stats, chunkWords) : undefined;
    return { store, router, completer, semantic: semantic || undefined, replays, coalescer };
  }

  #recorder(ticket: CacheTicket, flight: Flight | undefined): ResponseRecorder {
    if (flight) this.#leaders.set(ticket, flight);
    return new ResponseRecorder({
      ticket, flight, maxEntryBytes: this.maxEntryBytes,
      complete: (t, response) => this.complete(t, response),
      // A stream that may not be stored is counted like the other reasons an answer is not stored.
      rejected: (t, reason) => this.#stats.bypass(t.tenant, reason),
    });
  }

  async #init(encryption: EncryptionOptions | undefined): Promise<void> {
    const o = this.#o;
    const inits: Array<unknown> = [o.keys.init?.(), this.#counters.init?.(), (o.secrets as { init?: () => unknown } | undefined)?.init?.()];
    if (this.#cache) inits.push(this.#cache.store.init?.());
    const semantic = this.#cache?.semantic && o.semantic;
    if (semantic) {
      inits.push(semantic.index.init?.());
      const sweep = (): void => { void Promise.resolve().then(() => semantic.index.sweep(Date.now())).catch(() => undefined); };
      this.#sweeper = setInterval(sweep, semantic.sweepMs).unref();
    }
    if (encryption) {
      const warn = (w: { code: string; message: string }): void => this.#hub.warn(w.code, w.message);
      this.#keys.install(await createEntryCipher(encryption, { environment: o.environment, warn }));
    }
    await Promise.all(inits);
    await this.#ledger.start();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  async admit(request: HeadView): Promise<AdmitResult> {
    if (!this.#isReady) await this.#ready;
    const started = this.#observers.start();
    const result = await this.#pipeline.admit(request);
    if (result.kind === 'admitted') {
      if (started !== undefined) starts.set(result, started);
    } else this.#observers.notify(result, started);
    return result;
  }

  async decide(admission: Admission, body: unknown, bodyError?: BodyError, read?: BodyReadFacts): Promise<Decision> {
    if (!(admission instanceof AdmittedRequest)) throw new TypeError('vectorcache: guard.decide() takes what guard.admit() returned for this request.');
    const decision = await this.#pipeline.decide(admission, body, bodyError, read);
    this.#observers.notify(decision, starts.get(admission));
    return decision;
  }

  /** Both phases in one call, without the extra promise layers of admit() and decide(). */
  async handle(request: GuardRequest): Promise<Decision> {
    if (!this.#isReady) await this.#ready;
    const started = this.#observers.start();
    const admitted = await this.#pipeline.admit(request);
    const decision = admitted.kind === 'admitted' ? await this.#pipeline.decide(admitted as AdmittedRequest, request.body, request.bodyError) : admitted;
    this.#observers.notify(decision, started);
    return decision;
  }

  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult {
    if (!this.#cache) return { stored: false, done: Promise.resolve() };
    const result = this.#cache.completer.complete(ticket, response);
    // The leader of a single flight: its followers get what was stored, or run for themselves.
    const flight = this.#leaders.get(ticket);
    if (flight) {
      this.#leaders.delete(ticket);
      if (result.stored) flight.answer(typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8'), result.done);
      else flight.fail('not_storable');
    }
    return result;
  }

  setIpAllowlist(cidrs: readonly string[] | null): void {
    this.#perimeter.allowlist.set(cidrs);
  }

  setIpAllowlistAsync(cidrs: readonly string[] | null, options?: { sliceMs?: number; signal?: AbortSignal }): Promise<boolean> {
    return this.#perimeter.allowlist.setAsync(cidrs, options);
  }

  stats(tenant: string): TenantStats {
    return this.#stats.get(tenant);
  }

  doctor(): Finding[] {
    return diagnoseOptions(this.#input, { source: 'guard' });
  }

  observe(observer: (observation: DecisionObservation) => void): () => void {
    return this.#observers.add(observer);
  }

  onEvent(listener: (event: GuardEvent) => void): () => void {
    return this.#hub.onEvent(listener);
  }

  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    this.#ledger.stop();
    clearInterval(this.#sweeper);
    const o = this.#o;
    await Promise.all([
      o.keys.shutdown?.(), this.#counters.shutdown?.(), this.#cache?.store.shutdown?.(),
      (o.secrets as { shutdown?: () => unknown } | undefined)?.shutdown?.(), this.#cache?.semantic ? o.semantic?.index.shutdown?.() : undefined,
    ]);
  }
}

/** Markers and fences must hold: by default they live apart from lockout counters, bounded per tenant. */
function privacyStateOf(o: NormalizedOptions, hub: EventHub): CounterStore {
  if (!o.privacyState && o.counters instanceof MemoryCounterStore) {
    hub.warn('VC_EVICTABLE_PRIVACY_STATE', '`counters` is a bounded MemoryCounterStore and also holds "do not cache" markers and erase fences, which a flood of other keys can evict. Pass `privacyState` (a store that does not evict, shared by instances), or leave `counters` unset.');
  }
  return o.privacyState ?? o.counters ?? new PartitionedCounterStore({ partitionOf: privacyStateTenant });
}

/** When each admitted request started, for observers (kept off the public Admission shape). */
const starts = new WeakMap<Admission, number | undefined>();

/** Builds a guard. Options are validated here, once; the per-request path only acts. */
export function createGuard(options: GuardOptions): Guard {
  return new GuardImpl(options);
}

/** True when `x` is a guard made by createGuard, by any copy of this package (ESM or CJS build). */
export function isGuard(x: unknown): x is Guard {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[GUARD_BRAND] === true;
}

export type {
  Guard, GuardRequest, Decision, DenyDecision, RespondDecision, PassDecision, CacheTicket, CapturedResponse, CompleteResult,
  DecisionObservation, EraseReceipt, ExportResult, ExportedEntry, HeadView, Admission, AdmitResult,
} from './contract.js';
