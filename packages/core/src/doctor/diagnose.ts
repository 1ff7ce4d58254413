// Diagnoses guard options as written in code, and the transport settings around them, as doctor findings.
import type { GuardOptions } from '../options.js';
import { classifyOutboundUrl, resolveTlsOptions, type OutboundCarries } from '../transport/index.js';
import {
  checkEncryption, checkEnvironmentName, checkHttpsOnly, checkIpAllowlist, checkRetention, checkTrustProxy,
} from './checks.js';
import { optionLabel, type CheckContext, type Finding } from './finding.js';

export interface DiagnoseOptionsContext {
  /** Where the options came from, e.g. `config ./src/guard.ts` or `guard`. */
  source: string;
  /** Consulted only for what the guard itself reads from the environment (VECTORCACHE_ENV). Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

function storeKind(store: unknown): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'a custom store';
}

const isStore = (value: unknown, methods: readonly string[]) =>
  typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

function checkKeyStoreKind(keys: unknown, ctx: CheckContext): Finding {
  const { source } = ctx;
  if (!isStore(keys, ['findByHash', 'findById', 'list', 'insert', 'update'])) {
    return { id: 'key-store-kind', status: 'fail', source, message: '`keys` is not a key store: createGuard refuses to start.', fix: 'Pass keys: new FileKeyStore(".vectorcache/keys.json"), a RedisKeyStore or your own KeyStore.' };
  }
  const kind = storeKind(keys);
  if (kind === 'MemoryKeyStore' && ctx.environment === 'prod') {
    return { id: 'key-store-kind', status: 'warn', source, message: 'Keys live in a MemoryKeyStore: they vanish on restart and are not shared between instances.', fix: 'Use a RedisKeyStore (or a FileKeyStore on a single host) in prod.' };
  }
  return { id: 'key-store-kind', status: 'pass', source, message: `Key store: ${kind}.` };
}

function checkCacheStoreKind(cache: unknown, ctx: CheckContext): Finding {
  const { source } = ctx;
  if (cache === false) return { id: 'cache-store-kind', status: 'pass', source, message: 'No cache (cache: false): the gate runs alone.' };
  if (cache === undefined) return { id: 'cache-store-kind', status: 'pass', source, message: 'Cache store: MemoryCacheStore (the default; one per process).' };
  if (!isStore(cache, ['get', 'set', 'delete', 'entries', 'size'])) {
    return { id: 'cache-store-kind', status: 'fail', source, message: '`cache` is not a cache store: createGuard refuses to start.', fix: 'Pass cache: new MemoryCacheStore(), a RedisCacheStore, or false for no cache.' };
  }
  return { id: 'cache-store-kind', status: 'pass', source, message: `Cache store: ${storeKind(cache)}.` };
}

/** The environment a guard built from `options` runs in, and where that comes from (as createGuard decides it). */
export function optionsEnvironment(options: Partial<GuardOptions>, context: DiagnoseOptionsContext): { environment: string; source: string } {
  const fromEnv = (context.env ?? process.env).VECTORCACHE_ENV;
  if (typeof options.environment === 'string') return { environment: options.environment, source: context.source };
  return fromEnv !== undefined ? { environment: fromEnv, source: 'env' } : { environment: 'dev', source: 'default' };
}

/**
 * Judges guard options as the app passes them to createGuard (unvalidated: a mistake is a finding,
 * not a throw). Each finding says `source`; the environment a missing `environment` falls back to is `env`.
 */
export function diagnoseOptions(options: Partial<GuardOptions> | unknown, context: DiagnoseOptionsContext): Finding[] {
  const { source } = context;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return [{ id: 'options', status: 'fail', source, message: 'The guard options are not an object.', fix: 'Export the object you pass to createGuard(options), or the guard.' }];
  }
  const o = options as Partial<GuardOptions>;
  const { environment, source: environmentSource } = optionsEnvironment(o, context);
  const ctx: CheckContext = { environment, source, label: optionLabel };
  return [
    checkEnvironmentName(environment, environmentSource),
    checkHttpsOnly(typeof o.httpsOnly === 'boolean' ? o.httpsOnly : undefined, ctx),
    checkTrustProxy(o.trustProxy, ctx),
    checkIpAllowlist(Array.isArray(o.ipAllowlist) ? o.ipAllowlist : null, ctx),
    checkEncryption({ encryption: o.encryption, whenMissing: 'plaintext', cacheOff: o.cache === false }, ctx),
    checkRetention(typeof o.retention === 'string' || typeof o.retention === 'number' ? o.retention : undefined, ctx),
    checkKeyStoreKind(o.keys, ctx),
    checkCacheStoreKind(o.cache, ctx),
  ];
}

export interface TransportSettings {
  environment: string;
  /** The served TLS minimum as configured (e.g. VECTORCACHE_TLS_MIN_VERSION); unset means TLSv1.3. */
  tlsMinVersion?: string | undefined;
  /** The name `tlsMinVersion` goes by, for messages. Defaults to 'minVersion'. */
  tlsMinVersionName?: string;
  /** Whether this process serves TLS itself (TLS_CERT/TLS_KEY), rather than behind a proxy. */
  servingTls: boolean;
  /** Every URL the deployment calls out to that is set. */
  urls: ReadonlyArray<{ name: string; url: string; carries: OutboundCarries }>;
}

function checkServedTls(settings: TransportSettings, source: string): Finding {
  const name = settings.tlsMinVersionName ?? 'minVersion';
  let resolved: ReturnType<typeof resolveTlsOptions>;
  try {
    resolved = resolveTlsOptions({ minVersion: settings.tlsMinVersion, name });
  } catch (error) {
    return { id: 'served-tls', status: 'fail', source, message: `${(error as Error).message} The server refuses to start.`, fix: `Unset ${name} (TLS 1.3) or set it to TLSv1.2 for old clients.` };
  }
  if (resolved.warning) return { id: 'served-tls', status: 'warn', source, message: `Served TLS minimum is TLSv1.2 (${resolved.warning.code}).`, fix: `Unset ${name} to require TLS 1.3 once old clients are upgraded.` };
  return {
    id: 'served-tls', status: 'pass', source,
    message: settings.servingTls ? 'Served TLS minimum is TLSv1.3.' : 'Served TLS minimum is TLSv1.3 when TLS_CERT/TLS_KEY are set (not set here: a proxy in front terminates TLS).',
  };
}

/** One finding for the served TLS minimum, then one per outbound URL (plain HTTP carrying keys or prompts fails in prod). */
export function diagnoseTransport(settings: TransportSettings, context: { source: string }): Finding[] {
  const { source } = context;
  const findings = [checkServedTls(settings, source)];
  for (const { name, url, carries } of settings.urls) {
    const verdict = classifyOutboundUrl(url, { environment: settings.environment, name, carries });
    const id = `outbound-${name.toLowerCase().replace(/^vectorcache_/, '').replace(/_/g, '-')}`;
    findings.push(verdict.level === 'ok'
      ? { id, status: 'pass', source, message: verdict.message }
      : { id, status: verdict.level === 'error' ? 'fail' : 'warn', source, message: `${verdict.message} (${verdict.code})`, fix: verdict.fix });
  }
  return findings;
}
