// Outbound URL rules (table) and the loopback test (properties against ipaddr.js), plus the TLS minimum rule.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { checkOutboundUrl, classifyOutboundUrl, isLoopbackHost, type OutboundCarries } from './outbound.js';
import { resolveTlsOptions, TransportConfigError } from './tls.js';

type Row = [url: string, carries: OutboundCarries, environment: string, expected: 'ok' | 'warn' | 'error', code?: string];

const ROWS: Row[] = [
  ['https://api.openai.com/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://api.openai.com/v1', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://api.openai.com/v1', 'key-or-prompt', 'dev', 'warn', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://api.openai.com/v1', 'key-or-prompt', 'staging', 'warn', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://example.invalid', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://127.0.0.1:8080/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://127.255.3.4/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://[::1]:8080/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://localhost:11434/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://LOCALHOST:11434/v1', 'key-or-prompt', 'prod', 'ok'],
  ['http://localhost.evil.com/v1', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://localhost./v1', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://127.0.0.1.nip.io/v1', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://127.0.0.1@evil.com/v1', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://evil.com#@127.0.0.1/', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://0.0.0.0:8080/', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://128.0.0.1/', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['http://[::2]/', 'key-or-prompt', 'prod', 'error', 'VC_PLAINTEXT_OUTBOUND'],
  ['ftp://api.example.com/', 'key-or-prompt', 'dev', 'error', 'VC_INVALID_OUTBOUND_URL'],
  ['not a url', 'key-or-prompt', 'dev', 'error', 'VC_INVALID_OUTBOUND_URL'],
  ['rediss://cache.internal:6380/0', 'store', 'prod', 'ok'],
  ['redis://cache.internal:6379/0', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['redis://cache.internal:6379/0', 'store', 'dev', 'warn', 'VC_PLAINTEXT_STORE'],
  ['redis://127.0.0.1:6379/0', 'store', 'prod', 'ok'],
  ['redis://LocalHost:6379/0', 'store', 'prod', 'ok'],
  ['redis://[::1]:6379/0', 'store', 'prod', 'ok'],
  // Not a canonical address: ioredis would resolve it, but this check does not guess.
  ['redis://127.1:6379/0', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['redis://localhost.evil.com:6379/0', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['postgres://u:p@db.internal:5432/app', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['postgresql://u:p@db.internal:5432/app?sslmode=prefer', 'store', 'dev', 'warn', 'VC_PLAINTEXT_STORE'],
  ['postgresql://u:p@db.internal:5432/app?sslmode=disable', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['postgres://u:p@db.internal:5432/app?sslmode=require', 'store', 'prod', 'ok'],
  ['postgres://u:p@db.internal:5432/app?sslmode=verify-ca', 'store', 'prod', 'ok'],
  ['postgres://u:p@db.internal:5432/app?sslmode=verify-full', 'store', 'prod', 'ok'],
  ['postgres://u:p@db.internal:5432/app?ssl=true', 'store', 'prod', 'ok'],
  ['postgres://u:p@127.0.0.1:5432/app', 'store', 'prod', 'ok'],
  ['postgres:///app?host=/var/run/postgresql', 'store', 'prod', 'ok'],
  ['postgres://localhost/app?host=db.internal', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
  ['http://qdrant.internal:6333', 'store', 'prod', 'warn', 'VC_PLAINTEXT_STORE'],
];

describe('classifyOutboundUrl', () => {
  it.each(ROWS)('%s (%s, %s) → %s %s', (url, carries, environment, expected, code) => {
    const verdict = classifyOutboundUrl(url, { environment, name: 'SOME_URL', carries });
    expect(verdict.level).toBe(expected);
    if (verdict.level !== 'ok') {
      expect(verdict.code).toBe(code);
      expect(verdict.message).toContain('SOME_URL');
      expect(verdict.fix).not.toBe('');
    }
  });

  it('never repeats a password from the URL', () => {
    for (const url of ['redis://:hunter2pass@10.0.0.5:6379/0', 'postgres://app:hunter2pass@db.internal/app', 'http://user:hunter2pass@api.example.com/v1']) {
      for (const carries of ['store', 'key-or-prompt'] as const) {
        const verdict = classifyOutboundUrl(url, { environment: 'prod', name: 'X', carries });
        expect(JSON.stringify(verdict)).not.toContain('hunter2pass');
      }
    }
  });
});

describe('checkOutboundUrl', () => {
  it('throws a TransportConfigError naming the variable in prod; warns elsewhere; returns nothing when fine', () => {
    const refuse = () => checkOutboundUrl('http://example.invalid/v1', { environment: 'prod', name: 'UPSTREAM_BASE_URL', carries: 'key-or-prompt' });
    expect(refuse).toThrow(TransportConfigError);
    expect(refuse).toThrow(/^UPSTREAM_BASE_URL uses plain http:\/\/ to example\.invalid in prod/);
    try { refuse(); } catch (error) { expect(error).toMatchObject({ code: 'VC_PLAINTEXT_OUTBOUND', setting: 'UPSTREAM_BASE_URL' }); }
    expect(checkOutboundUrl('http://example.invalid/v1', { environment: 'dev', name: 'UPSTREAM_BASE_URL', carries: 'key-or-prompt' }))
      .toMatchObject({ code: 'VC_PLAINTEXT_OUTBOUND', message: expect.stringMatching(/^UPSTREAM_BASE_URL /) });
    expect(checkOutboundUrl('https://example.invalid/v1', { environment: 'prod', name: 'UPSTREAM_BASE_URL', carries: 'key-or-prompt' })).toBeUndefined();
  });
});

const canonical = (ip: string) => ipaddr.parse(ip).toString();
// ipaddr.js's own judgement: its 'loopback' range, seen through an IPv4-mapped address too.
function ipaddrLoopback(ip: string): boolean {
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address().range() === 'loopback';
  return parsed.range() === 'loopback';
}

describe('isLoopbackHost', () => {
  it('agrees with ipaddr.js on every IPv4 address', () => {
    fc.assert(fc.property(fc.ipV4(), (ip) => isLoopbackHost(ip) === ipaddrLoopback(ip)), { numRuns: 2000 });
  });

  it('agrees with ipaddr.js on IPv6 addresses, bracketed or not', () => {
    const v6 = fc.oneof(fc.ipV6(), fc.ipV4().map((v4) => `::ffff:${v4}`), fc.constant('::1'), fc.constant('0:0:0:0:0:0:0:1'));
    fc.assert(fc.property(v6, (ip) => {
      const expected = ipaddrLoopback(ip);
      return isLoopbackHost(ip) === expected && isLoopbackHost(`[${canonical(ip)}]`) === expected;
    }), { numRuns: 2000 });
  });

  it('every 127.x.y.z is loopback, and no name built on one is', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    fc.assert(fc.property(octet, octet, octet, label, (a, b, c, l) => {
      const ip = `127.${a}.${b}.${c}`;
      return isLoopbackHost(ip) && !isLoopbackHost(`${ip}.${l}`) && !isLoopbackHost(`${l}.${ip}`) && !isLoopbackHost(`localhost.${l}`) && !isLoopbackHost(`${l}.localhost`);
    }));
  });

  it('refuses look-alikes', () => {
    for (const host of ['localhost.evil.com', '127.0.0.1.nip.io', 'localhost.', '127.1', '0x7f.0.0.1', '017700000001', '2130706433', '127.0.0.01', '::2', '', ' localhost', '[::1', 'ip6-localhost']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '[::1]', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
  });
});

describe('resolveTlsOptions', () => {
  it('defaults to TLSv1.3, accepts TLSv1.2 with a coded warning, refuses anything else naming the variable', () => {
    expect(resolveTlsOptions()).toEqual({ minVersion: 'TLSv1.3' });
    expect(resolveTlsOptions({ minVersion: '' })).toEqual({ minVersion: 'TLSv1.3' });
    expect(resolveTlsOptions({ minVersion: 'TLSv1.3' })).toEqual({ minVersion: 'TLSv1.3' });
    const legacy = resolveTlsOptions({ minVersion: 'TLSv1.2', name: 'VECTORCACHE_TLS_MIN_VERSION' });
    expect(legacy.minVersion).toBe('TLSv1.2');
    expect(legacy.warning).toMatchObject({ code: 'VC_TLS_LEGACY_MIN_VERSION', message: expect.stringContaining('VECTORCACHE_TLS_MIN_VERSION=TLSv1.2') });
    for (const bad of ['TLSv1.1', 'TLSv1', '1.3', 'tlsv1.3', 'SSLv3']) {
      expect(() => resolveTlsOptions({ minVersion: bad, name: 'VECTORCACHE_TLS_MIN_VERSION' })).toThrow(/^VECTORCACHE_TLS_MIN_VERSION must be TLSv1\.3 \(the default\) or TLSv1\.2/);
    }
  });
});
