// Guard options: the public shape with defaults, validated and normalised once at construction.
import type { CacheStore, CounterStore, GuardEvent, KeyStore, Logger } from './types.js';
import { optionError } from './errors.js';
import { didYouMean } from './suggest.js';
import { requireDuration } from './duration.js';
import { compileLockoutKey } from './net/lockout-key.js';
import { chatShapeError, type BodyValidator } from './gate/chat-shape.js';
import type { TrustProxySetting } from './net/index.js';
import type { PiiOptions } from './pii/index.js';
import type { EncryptionOptions } from './crypto/index.js';
import type { SecretBackend } from './secrets/index.js';
import type { SuspicionOptions } from './monitor/suspicious.js';
import { normalizeSemantic, type NormalizedSemantic, type SemanticOptions } from './semantic/options.js';

export interface LockoutOptions {
  /** Authentication failures from one client address within the window that trigger a lockout. Defaults to 10. */
  maxFailures?: number;
  /** Length of the counting window (and of the lockout) in ms or as "1m". Defaults to 60_000. */
  windowMs?: number | string;
  /**
   * When the counter store cannot answer: 'authenticate' still verifies every key (bad keys are refused,
   * valid ones pass) but cannot count or enforce lockouts; 'deny' answers 503 to everyone. Defaults to 'authenticate'.
   */
  whenUnavailable?: 'authenticate' | 'deny';
  /** IPv6 prefix length whose addresses share one failure budget (a client can pick any address of its /64). Defaults to 64. */
  ipv6Prefix?: number;
  /** IPv4 prefix length sharing one budget. Defaults to 32 (per address). */
  ipv4Prefix?: number;
}

export interface StreamingOptions {
  /** Words per content chunk of a replayed stream. Defaults to 4. */
  chunkWords?: number;
  /** Pause between the frames of a replayed stream, in ms; 0 sends the replay at once. Defaults to 0 (off). */
  paceMs?: number;
  /** Bytes of recent replays kept ready in memory (plaintext answers: keep it small). Defaults to 4_194_304. */
  replayCacheBytes?: number;
  /**
   * Identical concurrent misses call the handler once; `false` turns it off. `waitMs` bounds how
   * long a follower waits for the leader's answer or first frame before running itself. Defaults to { waitMs: 30_000 }.
   */
  singleFlight?: { waitMs?: number } | false;
}

export interface GuardOptions {
  /** The environment this guard runs in; keys of any other environment get `wrong_environment`. Defaults to `process.env.VECTORCACHE_ENV` or 'dev'. */
  environment?: string;
  /** Where API keys live (MemoryKeyStore, FileKeyStore, RedisKeyStore…). Required. */
  keys: KeyStore;
  /** Where cached answers live; `false` runs the gate without a cache. Defaults to a new MemoryCacheStore. */
  cache?: CacheStore | false;
  /** Which proxies to trust for X-Forwarded-For / -Proto: Express `trust proxy` grammar. Defaults to false. */
  trustProxy?: TrustProxySetting;
  /** Read RFC 7239 `Forwarded` instead of X-Forwarded-*. Defaults to false. */
  forwardedHeader?: boolean;
  /** CIDRs allowed to call guarded routes (IPv4 and IPv6). Defaults to any address. */
  ipAllowlist?: readonly string[] | null;
  /** Refuse plain-HTTP requests with 403 `https_required`. Defaults to true when environment is 'prod'. */
  httpsOnly?: boolean;
  /** `Strict-Transport-Security` value sent over TLS. Defaults to 'max-age=31536000; includeSubDomains'. */
  hsts?: string | false;
  /** PII gate settings; `false` turns the gate off. Defaults to `{ action: 'bypass' }` with every detector on. */
  pii?: PiiOptions | false;
  /** Encryption at rest. Required when environment is 'prod'; without it entries are stored in plaintext (warned). */
  encryption?: EncryptionOptions;
  /** Route requests without consent direct (reason `no_consent`). Defaults to false. */
  requireConsent?: boolean;
  /** Decides consent from the framework request. Defaults to reading `X-Vectorcache-Consent: granted`. */
  consent?: (req: unknown) => boolean;
  /** The end user's id from the framework request. Defaults to the `X-Vectorcache-Subject` header. */
  subject?: (req: unknown) => string | undefined | null;
  /** Longest time any entry is kept ("30d", ms). A client's max-age can shorten it, never extend it. Defaults to '30d'. */
  retention?: number | string;
  /** Time to live of a new entry when shorter than retention. Defaults to the retention. */
  ttl?: number | string;
  /** Failure lockout per client address. `false` turns it off. Defaults to 10 failures per minute. */
  lockout?: LockoutOptions | false;
  /** Counters for lockout and detection. Defaults to a bounded MemoryCounterStore. */
  counters?: CounterStore;
  /**
   * Where "do not cache" markers and erase fences live: state that must hold, so it must never be
   * evictable by other traffic. Share it between instances (e.g. a RedisCounterStore without an
   * eviction policy). Defaults to `counters` when given, else an in-process store bounded per tenant.
   */
  privacyState?: CounterStore;
  /** Largest request body accepted, in bytes. Defaults to 1_048_576. */
  maxBodyBytes?: number;
  /** Longest time a request body may take to arrive once the key is checked, in ms; a slower one gets 408 `body_timeout`. Defaults to 10_000. */
  bodyTimeoutMs?: number;
  /**
   * Checks the shape of an object body per route; return a message to refuse it with 400 `invalid_body`.
   * `false` turns the check off. Defaults to the OpenAI chat shape (`messages` required on paths ending in `/chat/completions`).
   */
  validateBody?: BodyValidator | false;
  /** Largest response body stored in the cache, in bytes. Defaults to 1_048_576. */
  maxEntryBytes?: number;
  /** Time a cache lookup or write may take before the request goes direct (`cache_unavailable`). Defaults to 100 ms. */
  cacheTimeoutMs?: number;
  /** Top-level body fields that never change the answer and are left out of the cache key. Defaults to ['stream', 'stream_options', 'user']. */
  ignoreFields?: readonly string[];
  /**
   * Paths (exact, without query) the guard authenticates but that are not guarded model traffic, such as
   * a `/metrics` route: never cached, never counted in stats, observed as `admin`. The handler checks
   * its own scope. Defaults to none.
   */
  operationalPaths?: readonly string[];
  /** Prefix of the admin routes (stats, subject export and erase) the guard answers itself; `false` turns them off. Defaults to '/v1/vectorcache'. */
  adminPrefix?: string | false;
  /** Called with every security event. Defaults to none. */
  onEvent?: (event: GuardEvent) => void;
  /** A pino-compatible logger that receives events as structured logs. Defaults to none. */
  logger?: Logger;
  /** Age after which a key is due for rotation: a `key.rotation_due` event and a `Warning` header; `false` turns it off. Defaults to '90d'. */
  keyRotation?: number | string | false;
  /** Hard maximum key age: older keys are refused with `key_expired`. Defaults to none. */
  maxKeyAge?: number | string;
  /** Suspicious-activity detection on the counter store (bursts, credential stuffing, retired keys, new networks, cache probing); `false` turns it off. Defaults to on, events only. */
  suspicious?: SuspicionOptions | false;
  /** Where tenants' encrypted upstream LLM keys are kept (`guard.secrets`). Defaults to a MemorySecretBackend. */
  secrets?: SecretBackend;
  /** Coded warnings to silence, e.g. ['VC_NO_ENCRYPTION']. Defaults to none. */
  silenceWarnings?: readonly string[];
  /** Semantic matching on an exact miss: `{ embedder, index, threshold? }`. Defaults to off. */
  semantic?: SemanticOptions | false;
  /** Streamed answers: replay chunking and pacing, single-flight. Defaults to { chunkWords: 4, paceMs: 0, singleFlight: { waitMs: 30_000 } }. */
  streaming?: StreamingOptions;
}

export interface NormalizedOptions {
  environment: string;
  keys: KeyStore;
  /** `undefined` until createGuard fills in the default MemoryCacheStore. */
  cache: CacheStore | false | undefined;
  trustProxy: TrustProxySetting;
  forwardedHeader: boolean;
  ipAllowlist: readonly string[] | null;
  httpsOnly: boolean;
  hsts: string | false;
  pii: PiiOptions | false;
  encryption: EncryptionOptions | undefined;
  requireConsent: boolean;
  consent: ((req: unknown) => boolean) | undefined;
  subject: ((req: unknown) => string | undefined | null) | undefined;
  retentionMs: number;
  ttlMs: number;
  lockout: { maxFailures: number; windowMs: number; whenUnavailable: 'authenticate' | 'deny'; bucketOf: (address: string) => string } | false;
  counters: CounterStore | undefined;
  privacyState: CounterStore | undefined;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  validateBody: BodyValidator | false;
  maxEntryBytes: number;
  cacheTimeoutMs: number;
  ignoreFields: ReadonlySet<string>;
  adminPrefix: string | false;
  operationalPaths: ReadonlySet<string>;
  onEvent: ((event: GuardEvent) => void) | undefined;
  logger: Logger | undefined;
  silenceWarnings: ReadonlySet<string>;
  keyRotationMs: number | undefined;
  maxKeyAgeMs: number | undefined;
  secrets: SecretBackend | undefined;
  suspicious: SuspicionOptions | false | undefined;
  semantic: NormalizedSemantic | undefined;
  streaming: { chunkWords: number; paceMs: number; replayCacheBytes: number; singleFlight: { waitMs: number } | false };
}

const KNOWN = [
  'environment', 'keys', 'cache', 'trustProxy', 'forwardedHeader', 'ipAllowlist', 'httpsOnly', 'hsts', 'pii',
  'encryption', 'requireConsent', 'consent', 'subject', 'retention', 'ttl', 'lockout', 'counters', 'privacyState', 'maxBodyBytes',
  'bodyTimeoutMs', 'validateBody', 'maxEntryBytes', 'cacheTimeoutMs', 'ignoreFields', 'adminPrefix', 'operationalPaths', 'onEvent', 'logger', 'silenceWarnings',
  'keyRotation', 'maxKeyAge', 'secrets', 'suspicious', 'semantic', 'streaming',
] as const;

const ENV_NAME = /^[a-z][a-z0-9]{1,15}$/;

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw optionError(option, `must be a positive whole number (got ${JSON.stringify(value)}).`);
  }
  return value;
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw optionError(option, `must be true or false (got ${JSON.stringify(value)}).`);
  return value;
}

function fn<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw optionError(option, 'must be a function.');
  return value as T;
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

const KEY_STORE_METHODS = ['findByHash', 'findById', 'list', 'insert', 'update'] as const;
const CACHE_STORE_METHODS = ['get', 'set', 'delete', 'keysForSubject', 'deleteSubject', 'deleteTenant', 'entries', 'size'] as const;
const COUNTER_STORE_METHODS = ['increment', 'get', 'reset'] as const;

function checkKnown(input: object): void {
  for (const name of Object.keys(input)) {
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw optionError(name, `is not a Vectorcache option.${didYouMean(name, KNOWN)}`);
    }
  }
}

function environmentOf(o: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const environment = o.environment ?? env.VECTORCACHE_ENV ?? 'dev';
  if (typeof environment !== 'string' || !ENV_NAME.test(environment)) {
    throw optionError('environment', `must be a lowercase name such as "dev", "staging" or "prod" (got ${JSON.stringify(environment)}).`);
  }
  return environment;
}

function stores(o: Record<string, unknown>): Pick<NormalizedOptions, 'keys' | 'cache' | 'counters' | 'privacyState'> {
  if (!hasMethods(o.keys, KEY_STORE_METHODS)) {
    throw optionError('keys', 'must be a key store (new FileKeyStore(".vectorcache/keys.json"), new MemoryKeyStore(), a RedisKeyStore…).');
  }
  let cache: CacheStore | false | undefined;
  if (o.cache === false || o.cache === undefined) cache = o.cache;
  else if (hasMethods(o.cache, CACHE_STORE_METHODS)) cache = o.cache as CacheStore;
  else throw optionError('cache', 'must be a cache store (new MemoryCacheStore(), a RedisCacheStore…) or false for no cache.');
  for (const name of ['counters', 'privacyState'] as const) {
    if (o[name] !== undefined && !hasMethods(o[name], COUNTER_STORE_METHODS)) {
      throw optionError(name, 'must be a counter store (new MemoryCounterStore(), a RedisCounterStore…).');
    }
  }
  return { keys: o.keys as KeyStore, cache, counters: o.counters as CounterStore | undefined, privacyState: o.privacyState as CounterStore | undefined };
}

function ipAllowlistOf(value: unknown): readonly string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) {
    throw optionError('ipAllowlist', 'must be an array of CIDR strings such as ["203.0.113.0/24", "2001:db8::/32"].');
  }
  return value as string[];
}

function hstsOf(value: unknown): string | false {
  if (value === undefined) return 'max-age=31536000; includeSubDomains';
  if (value === false) return false;
  if (typeof value === 'string' && /^max-age=\d+/.test(value)) return value;
  throw optionError('hsts', 'must be a Strict-Transport-Security value starting with "max-age=" or false.');
}

function piiOf(value: unknown): PiiOptions | false {
  if (value === undefined) return {};
  if (value === false) return false;
  if (typeof value !== 'object' || value === null) throw optionError('pii', 'must be an object such as { action: "bypass" } or false.');
  return value as PiiOptions;
}

function retentionOf(o: Record<string, unknown>): { retentionMs: number; ttlMs: number } {
  const retentionMs = o.retention === undefined ? 30 * 86_400_000 : requireDuration('retention', o.retention);
  if (retentionMs <= 0) throw optionError('retention', 'must be longer than zero.');
  const ttlMs = o.ttl === undefined ? retentionMs : requireDuration('ttl', o.ttl);
  if (ttlMs <= 0) throw optionError('ttl', 'must be longer than zero.');
  return { retentionMs, ttlMs: Math.min(ttlMs, retentionMs) };
}

const LOCKOUT_KNOWN = ['maxFailures', 'windowMs', 'whenUnavailable', 'ipv6Prefix', 'ipv4Prefix'];

function lockoutOf(value: unknown): NormalizedOptions['lockout'] {
  if (value === false) return false;
  if (value === undefined) return { maxFailures: 10, windowMs: 60_000, whenUnavailable: 'authenticate', bucketOf: compileLockoutKey({}, 'lockout') };
  if (typeof value !== 'object' || value === null) throw optionError('lockout', 'must be an object such as { maxFailures: 10, windowMs: 60_000 } or false.');
  const l = value as Record<string, unknown>;
  for (const name of Object.keys(l)) {
    if (!LOCKOUT_KNOWN.includes(name)) throw optionError(`lockout.${name}`, `is not a lockout option.${didYouMean(name, LOCKOUT_KNOWN)}`);
  }
  const when = l.whenUnavailable ?? 'authenticate';
  if (when !== 'authenticate' && when !== 'deny') throw optionError('lockout.whenUnavailable', 'must be "authenticate" or "deny".');
  const windowMs = l.windowMs === undefined ? 60_000 : requireDuration('lockout.windowMs', l.windowMs);
  if (windowMs < 1000) throw optionError('lockout.windowMs', 'must be at least one second.');
  const bucketOf = compileLockoutKey({ ipv6Prefix: l.ipv6Prefix as number | undefined, ipv4Prefix: l.ipv4Prefix as number | undefined }, 'lockout');
  return { maxFailures: positiveInt('lockout.maxFailures', l.maxFailures, 10), windowMs, whenUnavailable: when, bucketOf };
}

function ignoreFieldsOf(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set(['stream', 'stream_options', 'user']);
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) throw optionError('ignoreFields', 'must be an array of top-level body field names.');
  return new Set(value as string[]);
}

function adminPrefixOf(value: unknown): string | false {
  if (value === undefined) return '/v1/vectorcache';
  if (value === false) return false;
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(value)) {
    throw optionError('adminPrefix', 'must be a path such as "/v1/vectorcache" (no trailing slash) or false.');
  }
  return value;
}

function operationalPathsOf(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string' || !x.startsWith('/') || x.includes('?'))) {
    throw optionError('operationalPaths', 'must be an array of paths such as ["/metrics"] (no query string).');
  }
  return new Set(value as string[]);
}

function loggerOf(value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  if (!hasMethods(value, ['info', 'warn', 'error'])) throw optionError('logger', 'must be a pino-compatible logger (info, warn and error methods).');
  return value as Logger;
}

function silenceOf(value: unknown): ReadonlySet<string> {
  const silence = value ?? [];
  if (!Array.isArray(silence)) throw optionError('silenceWarnings', 'must be an array of warning codes such as ["VC_NO_ENCRYPTION"].');
  return new Set(silence as string[]);
}

function secretsOf(value: unknown): SecretBackend | undefined {
  if (value === undefined) return undefined;
  if (hasMethods(value, ['get', 'set', 'delete'])) return value as SecretBackend;
  throw optionError('secrets', 'must be a secret backend (new MemorySecretBackend(), a RedisSecretBackend…).');
}

function encryptionOf(value: unknown): EncryptionOptions | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw optionError('encryption', 'must be an object such as { secret: process.env.VECTORCACHE_ENCRYPTION_SECRET }.');
  }
  return value as EncryptionOptions | undefined;
}

const STREAMING_KNOWN = ['chunkWords', 'paceMs', 'replayCacheBytes', 'singleFlight'];

function streamingOf(value: unknown): NormalizedOptions['streaming'] {
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw optionError('streaming', 'must be an object such as { chunkWords: 4 }.');
  const s = (value ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(s)) {
    if (!STREAMING_KNOWN.includes(name)) throw optionError(`streaming.${name}`, `is not a streaming option.${didYouMean(name, STREAMING_KNOWN)}`);
  }
  const paceMs = s.paceMs ?? 0;
  if (typeof paceMs !== 'number' || !Number.isSafeInteger(paceMs) || paceMs < 0) throw optionError('streaming.paceMs', `must be a whole number of ms, 0 for no pacing (got ${JSON.stringify(paceMs)}).`);
  const flight = s.singleFlight;
  if (flight !== undefined && flight !== false && (typeof flight !== 'object' || flight === null)) throw optionError('streaming.singleFlight', 'must be { waitMs } or false.');
  return {
    chunkWords: positiveInt('streaming.chunkWords', s.chunkWords, 4),
    paceMs,
    replayCacheBytes: positiveInt('streaming.replayCacheBytes', s.replayCacheBytes, 4_194_304),
    singleFlight: flight === false ? false : { waitMs: positiveInt('streaming.singleFlight.waitMs', (flight as { waitMs?: unknown } | undefined)?.waitMs, 30_000) },
  };
}

/**
 * Validates user options and fills in defaults, in a fixed order: drop undefined, spread defaults,
 * spread the user's options. Misuse throws a TypeError that names the option and the fix.
 */
export function normalizeOptions(input: GuardOptions, env: NodeJS.ProcessEnv = process.env): NormalizedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('vectorcache: createGuard(options) needs an options object, e.g. { keys: new FileKeyStore(".vectorcache/keys.json") }.');
  }
  checkKnown(input);
  const o = input as unknown as Record<string, unknown>;
  if (o.semantic && o.cache === false) throw optionError('semantic', 'needs a cache: remove `cache: false`, or turn semantic matching off.');
  const environment = environmentOf(o, env);
  return {
    environment,
    ...stores(o),
    trustProxy: (o.trustProxy ?? false) as TrustProxySetting,
    forwardedHeader: bool('forwardedHeader', o.forwardedHeader, false),
    ipAllowlist: ipAllowlistOf(o.ipAllowlist),
    httpsOnly: bool('httpsOnly', o.httpsOnly, environment === 'prod'),
    hsts: hstsOf(o.hsts),
    pii: piiOf(o.pii),
    encryption: encryptionOf(o.encryption),
    requireConsent: bool('requireConsent', o.requireConsent, false),
    consent: fn('consent', o.consent),
    subject: fn('subject', o.subject),
    ...retentionOf(o),
    lockout: lockoutOf(o.lockout),
    maxBodyBytes: positiveInt('maxBodyBytes', o.maxBodyBytes, 1_048_576),
    bodyTimeoutMs: positiveInt('bodyTimeoutMs', o.bodyTimeoutMs, 10_000),
    validateBody: o.validateBody === false ? false : fn<BodyValidator>('validateBody', o.validateBody) ?? chatShapeError,
    maxEntryBytes: positiveInt('maxEntryBytes', o.maxEntryBytes, 1_048_576),
    cacheTimeoutMs: positiveInt('cacheTimeoutMs', o.cacheTimeoutMs, 100),
    ignoreFields: ignoreFieldsOf(o.ignoreFields),
    adminPrefix: adminPrefixOf(o.adminPrefix),
    operationalPaths: operationalPathsOf(o.operationalPaths),
    onEvent: fn('onEvent', o.onEvent),
    logger: loggerOf(o.logger),
    silenceWarnings: silenceOf(o.silenceWarnings),
    keyRotationMs: o.keyRotation === false ? undefined : o.keyRotation === undefined ? 90 * 86_400_000 : requireDuration('keyRotation', o.keyRotation),
    maxKeyAgeMs: o.maxKeyAge === undefined ? undefined : requireDuration('maxKeyAge', o.maxKeyAge),
    suspicious: o.suspicious as SuspicionOptions | false | undefined,
    secrets: secretsOf(o.secrets),
    semantic: normalizeSemantic(o.semantic),
    streaming: streamingOf(o.streaming),
  };
}
