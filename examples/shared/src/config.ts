// Reads the example servers' environment (DESIGN.md) into guard options, stores and server settings.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  FileKeyStore, MemoryCacheStore, checkOutboundUrl, createKey, resolveTlsOptions,
  type CacheStore, type CounterStore, type GuardOptions, type KeyStore, type Logger, type OutboundCarries,
  type TlsMinVersion, type TransportWarning,
} from '@vectorcache/core';
import { pino } from 'pino';
import { offlineModel, upstreamModel, type ChatBackend } from './model.js';
import { semanticFromEnv } from './semantic.js';

export interface ExampleConfig {
  port: number;
  host: string;
  environment: string;
  /** `minVersion` is TLSv1.3 unless VECTORCACHE_TLS_MIN_VERSION=TLSv1.2 (logged as VC_TLS_LEGACY_MIN_VERSION). */
  tls?: { cert: Buffer; key: Buffer; minVersion: TlsMinVersion };
  guard: GuardOptions;
  backend: ChatBackend;
  keyStoreUrl: string;
  /** Printed once on the first start in dev. */
  bootstrapKey?: string;
  close(): Promise<void>;
}

/** A configuration mistake: the message names the variable and the fix; the server prints it and exits 1. */
export class ConfigError extends Error {}

/** Relative paths are taken from where the user ran pnpm (INIT_CWD), not from the example's folder. */
function base(env: NodeJS.ProcessEnv): string {
  return env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : process.cwd();
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be a whole number ≥ ${min} (got ${JSON.stringify(raw)}).`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(raw)}).`);
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `true`, a hop count, or comma-separated CIDRs / names, as Express's `trust proxy`. */
function trustProxy(raw: string | undefined): GuardOptions['trustProxy'] {
  if (raw === undefined || raw.trim() === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  return list(raw);
}

/** dev generates a 256-bit secret once and keeps it beside the key file (mode 0600). */
function devSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}

/** The URLs the example calls out to, and what each carries (DESIGN.md; issue 18). */
const OUTBOUND: ReadonlyArray<{ name: string; carries: OutboundCarries }> = [
  { name: 'UPSTREAM_BASE_URL', carries: 'key-or-prompt' },
  { name: 'VECTORCACHE_EMBEDDINGS_URL', carries: 'key-or-prompt' },
  { name: 'VECTORCACHE_KEY_STORE', carries: 'store' },
  { name: 'VECTORCACHE_CACHE', carries: 'store' },
  { name: 'VECTORCACHE_VECTOR_STORE', carries: 'store' },
];
// Store settings also take `file:<path>` or `memory`, which never leave the machine.
const NETWORK_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Refuses to start on a transport the environment forbids (plain HTTP carrying keys or prompts in
 * prod, a bad TLS minimum) before any connection is opened; doubtful settings are logged once, coded.
 */
function checkTransport(env: NodeJS.ProcessEnv, environment: string, serving: boolean, logger: Logger): TlsMinVersion {
  const warnings: TransportWarning[] = [];
  try {
    for (const { name, carries } of OUTBOUND) {
      const url = env[name];
      if (url === undefined || url === '' || (carries === 'store' && !NETWORK_URL.test(url))) continue;
      const warning = checkOutboundUrl(url, { environment, name, carries });
      if (warning) warnings.push(warning);
    }
    const tls = resolveTlsOptions({ minVersion: env.VECTORCACHE_TLS_MIN_VERSION, name: 'VECTORCACHE_TLS_MIN_VERSION' });
    if (tls.warning && serving) warnings.push(tls.warning);
    for (const w of warnings) logger.warn({ code: w.code }, `vectorcache: ${w.message}`);
    return tls.minVersion;
  } catch (error) {
    throw error instanceof TypeError ? new ConfigError(error.message) : error;
  }
}

async function redisModule(): Promise<typeof import('@vectorcache/redis')> {
  return import('@vectorcache/redis');
}

/** VECTORCACHE_PII_ACTION: what the PII gate does with a prompt that holds personal data. */
function piiAction(value: string | undefined): 'bypass' | 'block' | 'redact' {
  if (value === undefined || value === '') return 'bypass';
  if (value === 'bypass' || value === 'block' || value === 'redact') return value;
  throw new ConfigError(`VECTORCACHE_PII_ACTION must be bypass, block or redact (got ${JSON.stringify(value)}).`);
}

interface Stores {
  keys: KeyStore;
  keyFile: string | undefined;
  cache: CacheStore;
  counters: CounterStore | undefined;
  secrets: GuardOptions['secrets'];
}

/** VECTORCACHE_KEY_STORE and VECTORCACHE_CACHE; counters and tenants' upstream keys go to Redis whenever the instance talks to Redis. */
async function openStores(env: NodeJS.ProcessEnv, root: string): Promise<Stores> {
  // Instances that share a Redis share the prefix; distinct prefixes keep deployments (or test runs) apart.
  const redisPrefix = env.VECTORCACHE_REDIS_PREFIX || undefined;
  if (redisPrefix !== undefined && /[{}]/.test(redisPrefix)) throw new ConfigError('VECTORCACHE_REDIS_PREFIX may not contain { or } (reserved for Redis Cluster hash tags).');
  const redisOptions = (url: string) => (redisPrefix === undefined ? { url } : { url, prefix: redisPrefix });
  const keyStoreUrl = env.VECTORCACHE_KEY_STORE ?? 'file:.vectorcache/keys.json';
  let keys: KeyStore;
  let keyFile: string | undefined;
  let redisUrl: string | undefined;
  if (keyStoreUrl.startsWith('file:')) {
    keyFile = resolve(root, keyStoreUrl.slice(5));
    keys = new FileKeyStore(keyFile);
  } else if (/^rediss?:\/\//.test(keyStoreUrl)) {
    redisUrl = keyStoreUrl;
    keys = new (await redisModule()).RedisKeyStore(redisOptions(keyStoreUrl));
  } else {
    throw new ConfigError('VECTORCACHE_KEY_STORE must be file:<path> or redis://host:port/db.');
  }
  const cacheSetting = env.VECTORCACHE_CACHE ?? 'memory';
  let cache: CacheStore;
  if (cacheSetting === 'memory') {
    cache = new MemoryCacheStore();
  } else if (/^rediss?:\/\//.test(cacheSetting)) {
    redisUrl ??= cacheSetting;
    cache = new (await redisModule()).RedisCacheStore(redisOptions(cacheSetting));
  } else {
    throw new ConfigError('VECTORCACHE_CACHE must be "memory" or redis://host:port/db.');
  }
  // Without Redis the guard's own defaults apply: lockout counters apart from the privacy state it must never evict.
  const redis = redisUrl ? await redisModule() : undefined;
  const counters = redis && redisUrl ? new redis.RedisCounterStore(redisOptions(redisUrl)) : undefined;
  const secrets = redis && redisUrl ? new redis.RedisSecretBackend(redisOptions(redisUrl)) : undefined;
  return { keys, keyFile, cache, counters, secrets };
}

/** VECTORCACHE_ENCRYPTION_*: required in prod; dev generates and keeps a secret next to the key file. */
function encryptionFromEnv(env: NodeJS.ProcessEnv, environment: string, root: string, keyFile: string | undefined): NonNullable<GuardOptions['encryption']> {
  let secret = env.VECTORCACHE_ENCRYPTION_SECRET;
  if (!secret) {
    if (environment === 'prod') throw new ConfigError('VECTORCACHE_ENCRYPTION_SECRET is required in prod: set it to a string of at least 32 characters, e.g. `openssl rand -hex 32`.');
    secret = devSecret(resolve(keyFile ? dirname(keyFile) : resolve(root, '.vectorcache'), 'encryption-secret'));
  }
  return {
    secret,
    ...(env.VECTORCACHE_ENCRYPTION_SALT ? { salt: env.VECTORCACHE_ENCRYPTION_SALT } : {}),
    // During a rotation: the old secrets still decrypt, and the index secret keeps entry names stable.
    ...(list(env.VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS) ? { previousSecrets: list(env.VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS) } : {}),
    ...(env.VECTORCACHE_ENCRYPTION_INDEX_SECRET ? { indexSecret: env.VECTORCACHE_ENCRYPTION_INDEX_SECRET } : {}),
  };
}

/** TLS_CERT / TLS_KEY: both or neither. */
function tlsFromEnv(env: NodeJS.ProcessEnv, root: string, serving: boolean, minVersion: ReturnType<typeof checkTransport>): ExampleConfig['tls'] {
  if (!serving) return undefined;
  if (!env.TLS_CERT || !env.TLS_KEY) throw new ConfigError('Set both TLS_CERT and TLS_KEY (file paths) to serve HTTPS.');
  return { cert: readFileSync(resolve(root, env.TLS_CERT)), key: readFileSync(resolve(root, env.TLS_KEY)), minVersion };
}

/** On the first dev start with a key file, a dev key to try the server with (printed once). */
async function bootstrapKeyFor(environment: string, keys: KeyStore, keyFile: string | undefined): Promise<string | undefined> {
  if (environment !== 'dev' || !keyFile) return undefined;
  await keys.init?.();
  const existing = await keys.list();
  if (existing.some((r) => r.environment === 'dev' && !r.revokedAt)) return undefined;
  const created = await createKey(keys, {
    environment: 'dev', name: 'Dev key (created on first start)', tenant: 'default',
    scopes: ['cache:read', 'cache:write', 'analytics:read', 'privacy:admin'],
  });
  return created.key;
}

export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<ExampleConfig> {
  const root = base(env);
  const environment = env.VECTORCACHE_ENV ?? 'dev';
  const port = int(env, 'PORT', 3000);
  // Security events as structured JSON lines on stderr (keys, secrets and PII never reach them).
  const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'vectorcache-example' } }, pino.destination(2));
  const serving = Boolean(env.TLS_CERT || env.TLS_KEY);
  const minVersion = checkTransport(env, environment, serving, logger);
  const { keys, keyFile, cache, counters, secrets } = await openStores(env, root);
  const encryption = encryptionFromEnv(env, environment, root, keyFile);
  const tls = tlsFromEnv(env, root, serving, minVersion);
  const backend = env.UPSTREAM_BASE_URL
    ? upstreamModel(env.UPSTREAM_BASE_URL, env.UPSTREAM_API_KEY)
    : offlineModel(int(env, 'OFFLINE_MODEL_DELAY_MS', 250));
  const guard: GuardOptions = {
    environment,
    keys,
    cache,
    ...(counters ? { counters } : {}),
    pii: { action: piiAction(env.VECTORCACHE_PII_ACTION) },
    // /metrics is authenticated by the guard but is not guarded chat traffic: no cache, not in the stats.
    operationalPaths: ['/metrics'],
    trustProxy: trustProxy(env.VECTORCACHE_TRUST_PROXY),
    ipAllowlist: list(env.VECTORCACHE_IP_ALLOWLIST) ?? null,
    httpsOnly: flag(env, 'VECTORCACHE_HTTPS_ONLY', environment === 'prod'),
    encryption,
    ...(env.VECTORCACHE_RETENTION ? { retention: env.VECTORCACHE_RETENTION } : {}),
    ...(secrets ? { secrets } : {}),
    ...(await semanticFromEnv(env, (message) => new ConfigError(message))),
    logger,
    requireConsent: flag(env, 'VECTORCACHE_REQUIRE_CONSENT', false),
    maxBodyBytes: int(env, 'VECTORCACHE_MAX_BODY_BYTES', 1_048_576, 1),
    lockout: {
      maxFailures: int(env, 'VECTORCACHE_LOCKOUT_MAX_FAILURES', 10, 1),
      windowMs: int(env, 'VECTORCACHE_LOCKOUT_WINDOW_MS', 60_000, 1000),
    },
  };
  const bootstrapKey = await bootstrapKeyFor(environment, keys, keyFile);
  return {
    port, host: env.HOST ?? '127.0.0.1', environment, tls, guard, backend, keyStoreUrl: env.VECTORCACHE_KEY_STORE ?? 'file:.vectorcache/keys.json', bootstrapKey,
    async close() { /* the guard closes the stores it was given */ },
  };
}
