// doctor's environment checks: the VECTORCACHE_* variables the example servers read, judged by the core's rules.
import {
  checkEncryption, checkEnvironmentName, checkHttpsOnly, checkIpAllowlist, checkRetention, checkTrustProxy,
  diagnoseTransport, isLoopbackHost,
  type CheckContext, type CheckedOption, type Finding, type OutboundCarries, type TrustProxySetting,
} from '@vectorcache/core';

type Env = Record<string, string | undefined>;

const VARIABLE: Record<CheckedOption, string> = {
  environment: 'VECTORCACHE_ENV', trustProxy: 'VECTORCACHE_TRUST_PROXY', httpsOnly: 'VECTORCACHE_HTTPS_ONLY',
  ipAllowlist: 'VECTORCACHE_IP_ALLOWLIST', encryption: 'VECTORCACHE_ENCRYPTION_SECRET', 'encryption.secret': 'VECTORCACHE_ENCRYPTION_SECRET',
  retention: 'VECTORCACHE_RETENTION', keys: 'VECTORCACHE_KEY_STORE', cache: 'VECTORCACHE_CACHE',
};

/** The URLs the example servers call out to when set, beside the Redis stores (judged by `redis-tls`). */
const OUTBOUND: ReadonlyArray<{ name: string; carries: OutboundCarries }> = [
  { name: 'UPSTREAM_BASE_URL', carries: 'key-or-prompt' },
  { name: 'VECTORCACHE_EMBEDDINGS_URL', carries: 'key-or-prompt' },
  { name: 'VECTORCACHE_VECTOR_STORE', carries: 'store' },
];

export function envEnvironment(env: Env): string {
  return env.VECTORCACHE_ENV ?? 'dev';
}

function httpsOnly(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  return !/^(0|false|no|off)$/i.test(raw.trim());
}

/** The example servers' grammar: `true`, a hop count, or comma-separated CIDRs / names. */
function trustProxy(raw: string | undefined): TrustProxySetting {
  const value = (raw ?? '').trim();
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function checkRedisTls(env: Env, environment: string): Finding {
  const plain: string[] = [];
  let loopbackOnly = true;
  for (const name of ['VECTORCACHE_CACHE', 'VECTORCACHE_KEY_STORE'] as const) {
    const value = env[name];
    if (!value || !/^redis:\/\//i.test(value)) continue;
    plain.push(name);
    let host = '';
    try { host = new URL(value).hostname; } catch { /* counted as remote */ }
    if (!isLoopbackHost(host)) loopbackOnly = false;
  }
  const source = 'env';
  if (plain.length === 0) return { id: 'redis-tls', status: 'pass', source, message: 'No plain-text Redis connection configured.' };
  if (environment !== 'prod') return { id: 'redis-tls', status: 'pass', source, message: `${plain.join(' and ')} use redis:// (fine outside prod).` };
  return {
    id: 'redis-tls', status: loopbackOnly ? 'warn' : 'fail', source,
    message: `${plain.join(' and ')} use${plain.length === 1 ? 's' : ''} redis:// without TLS${loopbackOnly ? ' (on loopback)' : ''}: keys, counters and entries cross the network in clear.`,
    fix: 'Use rediss://host:6380/0 (TLS) with a password or ACL user.',
  };
}

/** Checks of settings a guard options object would hold; --config replaces them with the app's own. */
export function envOptionChecks(env: Env): Finding[] {
  const environment = envEnvironment(env);
  const ctx: CheckContext = { environment, source: 'env', label: (option) => VARIABLE[option] };
  const allowlist = (env.VECTORCACHE_IP_ALLOWLIST ?? '').split(',');
  const secret = env.VECTORCACHE_ENCRYPTION_SECRET;
  return [
    checkEnvironmentName(environment, env.VECTORCACHE_ENV === undefined ? 'default' : 'env'),
    checkHttpsOnly(httpsOnly(env.VECTORCACHE_HTTPS_ONLY), ctx),
    checkTrustProxy(trustProxy(env.VECTORCACHE_TRUST_PROXY), ctx),
    checkIpAllowlist(allowlist, ctx),
    checkEncryption({ encryption: secret ? { secret } : undefined, whenMissing: 'generated' }, ctx),
    checkRetention(env.VECTORCACHE_RETENTION, ctx),
  ];
}

/** Checks of what lives outside the guard options (stores' and upstreams' URLs, served TLS): always from the env. */
export function envTransportChecks(env: Env, environment: string): Finding[] {
  const urls = OUTBOUND.flatMap(({ name, carries }) => {
    const url = env[name];
    // A store setting may also be `memory` or `file:<path>`, which never leave the machine.
    if (!url || (carries === 'store' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url))) return [];
    return [{ name, url, carries }];
  });
  return [
    checkRedisTls(env, environment),
    ...diagnoseTransport({
      environment, tlsMinVersion: env.VECTORCACHE_TLS_MIN_VERSION, tlsMinVersionName: 'VECTORCACHE_TLS_MIN_VERSION',
      servingTls: Boolean(env.TLS_CERT || env.TLS_KEY), urls,
    }, { source: 'env' }),
  ];
}
