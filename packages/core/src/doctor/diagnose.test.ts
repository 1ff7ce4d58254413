// diagnoseOptions and diagnoseTransport: one finding per setting, with status, fix and source.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../keys/index.js';
import { MemoryCacheStore } from '../stores/index.js';
import { diagnoseOptions, diagnoseTransport } from './diagnose.js';
import type { Finding } from './finding.js';

const SECRET = randomBytes(32).toString('hex');
const byId = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.id, f]));
const source = 'config app.ts';

describe('diagnoseOptions', () => {
  it('a sound prod configuration passes every check, each finding naming its source', () => {
    const findings = diagnoseOptions({
      environment: 'prod', keys: new MemoryKeyStore(), cache: new MemoryCacheStore(), trustProxy: ['loopback'],
      ipAllowlist: ['10.0.0.0/8'], encryption: { secret: SECRET }, retention: '30d',
    }, { source, env: {} });
    expect(findings.map((f) => f.id)).toEqual(['environment', 'https-only', 'trust-proxy', 'ip-allowlist', 'encryption-secret', 'retention', 'key-store-kind', 'cache-store-kind']);
    const f = byId(findings);
    expect(f['key-store-kind']).toMatchObject({ status: 'warn', message: expect.stringContaining('MemoryKeyStore') });
    for (const finding of findings.filter((x) => x.id !== 'key-store-kind')) expect(finding, finding.id).toMatchObject({ status: 'pass', source });
    expect(JSON.stringify(findings)).not.toContain(SECRET);
  });

  it('prod with trustProxy: true, httpsOnly: false, an open allowlist and no encryption fails each, with a fix', () => {
    const f = byId(diagnoseOptions({ environment: 'prod', keys: new MemoryKeyStore(), trustProxy: true, httpsOnly: false, ipAllowlist: ['0.0.0.0/0'] }, { source, env: {} }));
    for (const id of ['trust-proxy', 'https-only', 'ip-allowlist', 'encryption-secret']) {
      expect(f[id], id).toMatchObject({ status: 'fail', source, fix: expect.any(String) });
    }
    expect(f['trust-proxy']!.message).toMatch(/^`trustProxy` is true/);
    expect(f['encryption-secret']!.message).toMatch(/^No `encryption` option: prod refuses to start/);
  });

  it('outside prod the same doubts warn; cache: false needs no encryption', () => {
    const f = byId(diagnoseOptions({ environment: 'staging', keys: new MemoryKeyStore(), trustProxy: true }, { source, env: {} }));
    expect(f['trust-proxy']!.status).toBe('warn');
    expect(f['encryption-secret']).toMatchObject({ status: 'warn', message: expect.stringContaining('VC_NO_ENCRYPTION') });
    expect(f['https-only']!.status).toBe('pass');
    const noCache = byId(diagnoseOptions({ environment: 'prod', keys: new MemoryKeyStore(), cache: false }, { source, env: {} }));
    expect(noCache['encryption-secret']!.status).toBe('pass');
    expect(noCache['cache-store-kind']!.message).toMatch(/cache: false/);
  });

  it('the environment falls back to VECTORCACHE_ENV (source env), then dev (source default)', () => {
    const keys = new MemoryKeyStore();
    expect(byId(diagnoseOptions({ keys }, { source, env: { VECTORCACHE_ENV: 'prod' } })).environment).toMatchObject({ message: 'Environment prod.', source: 'env' });
    expect(byId(diagnoseOptions({ keys }, { source, env: {} })).environment).toMatchObject({ message: 'Environment dev.', source: 'default' });
    expect(byId(diagnoseOptions({ keys, environment: 'Prod!' }, { source, env: {} })).environment!.status).toBe('fail');
  });

  it('mistakes the guard would throw on are findings, not throws', () => {
    expect(diagnoseOptions(null, { source })).toEqual([expect.objectContaining({ id: 'options', status: 'fail', source })]);
    const f = byId(diagnoseOptions({ keys: {} as never, cache: 'memory' as never, encryption: { secret: undefined }, retention: 'a month' }, { source, env: {} }));
    expect(f['key-store-kind']!.status).toBe('fail');
    expect(f['cache-store-kind']!.status).toBe('fail');
    expect(f['encryption-secret']).toMatchObject({ status: 'fail', message: expect.stringMatching(/neither a secret nor a key/) });
    expect(f.retention!.status).toBe('fail');
  });
});

describe('diagnoseTransport', () => {
  const base = { tlsMinVersionName: 'VECTORCACHE_TLS_MIN_VERSION', servingTls: true, urls: [] };

  it('served TLS: 1.3 passes, 1.2 warns, anything else fails naming the variable', () => {
    expect(diagnoseTransport({ ...base, environment: 'prod' }, { source: 'env' })).toEqual([{ id: 'served-tls', status: 'pass', source: 'env', message: 'Served TLS minimum is TLSv1.3.' }]);
    expect(diagnoseTransport({ ...base, environment: 'prod', tlsMinVersion: 'TLSv1.2' }, { source: 'env' })[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('VC_TLS_LEGACY_MIN_VERSION') });
    expect(diagnoseTransport({ ...base, environment: 'prod', tlsMinVersion: 'TLSv1' }, { source: 'env' })[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/^VECTORCACHE_TLS_MIN_VERSION must be/) });
  });

  it('one finding per outbound URL: plain HTTP carrying keys fails in prod, warns elsewhere; plain stores warn', () => {
    const urls = [
      { name: 'UPSTREAM_BASE_URL', url: 'http://api.example.com/v1', carries: 'key-or-prompt' as const },
      { name: 'VECTORCACHE_EMBEDDINGS_URL', url: 'https://embed.example.com/v1', carries: 'key-or-prompt' as const },
      { name: 'VECTORCACHE_VECTOR_STORE', url: 'postgres://app:pw@db.internal/app', carries: 'store' as const },
    ];
    const prod = byId(diagnoseTransport({ ...base, environment: 'prod', urls }, { source: 'env' }));
    expect(prod['outbound-upstream-base-url']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^UPSTREAM_BASE_URL uses plain http:\/\/ to api\.example\.com in prod.*\(VC_PLAINTEXT_OUTBOUND\)$/), fix: expect.any(String) });
    expect(prod['outbound-embeddings-url']!.status).toBe('pass');
    expect(prod['outbound-vector-store']).toMatchObject({ status: 'warn', message: expect.stringContaining('VC_PLAINTEXT_STORE') });
    const dev = byId(diagnoseTransport({ ...base, environment: 'dev', urls }, { source: 'env' }));
    expect(dev['outbound-upstream-base-url']!.status).toBe('warn');
  });
});
