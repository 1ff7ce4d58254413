// Tests for the trusted-proxy walk (X-Forwarded-For and RFC 7239), HTTPS detection and trustProxy errors.
import { describe, it, expect } from 'vitest';
import { VectorcacheOptionError } from '../errors.js';
import type { HeaderMap } from '../types.js';
import { compileAllowlist } from './allowlist.js';
import { forwardedNodeAddress, parseForwarded } from './forwarded.js';
import { parseIp } from './ip.js';
import { compileTrustProxy } from './trust-proxy.js';
import type { TrustProxySetting } from './trust-proxy.js';

const ALLOW = compileAllowlist(['203.0.113.0/24', '2001:db8:1::/48', '198.51.100.7']);
const PROXIES: TrustProxySetting = ['loopback', '10.0.0.0/8'];

interface Case {
  name: string;
  socket: string | undefined;
  headers: HeaderMap;
  trust: TrustProxySetting;
  forwarded?: boolean;
  client: string | null;
  allowed: boolean;
}

const xff = (value: string | string[]): HeaderMap => ({ 'x-forwarded-for': value });
const fwd = (value: string | string[]): HeaderMap => ({ forwarded: value });

const cases: Case[] = [
  // No proxy trusted: headers are ignored entirely.
  { name: 'no trust ignores a spoofed XFF', socket: '127.0.0.1', headers: xff('203.0.113.5'), trust: false, client: '127.0.0.1', allowed: false },
  { name: 'no trust, allowed socket', socket: '203.0.113.9', headers: {}, trust: false, client: '203.0.113.9', allowed: true },
  { name: 'undefined setting = false', socket: '192.0.2.1', headers: xff('203.0.113.5'), trust: undefined as unknown as TrustProxySetting, client: '192.0.2.1', allowed: false },
  // Trusted list.
  { name: 'one trusted proxy', socket: '127.0.0.1', headers: xff('203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  { name: 'spoofed leftmost entry is ignored', socket: '127.0.0.1', headers: xff('203.0.113.5, 192.0.2.1'), trust: PROXIES, client: '192.0.2.1', allowed: false },
  { name: 'spoofed leftmost behind a proxy chain', socket: '10.0.0.2', headers: xff('203.0.113.5, 192.0.2.1, 10.0.0.3'), trust: PROXIES, client: '192.0.2.1', allowed: false },
  { name: 'every hop trusted → leftmost', socket: '127.0.0.1', headers: xff('10.1.1.1, 10.0.0.3'), trust: PROXIES, client: '10.1.1.1', allowed: false },
  { name: 'untrusted socket ignores XFF', socket: '192.0.2.50', headers: xff('203.0.113.5'), trust: PROXIES, client: '192.0.2.50', allowed: false },
  { name: 'trusted socket without XFF is the client', socket: '10.0.0.9', headers: {}, trust: PROXIES, client: '10.0.0.9', allowed: false },
  { name: 'XFF without spaces', socket: '127.0.0.1', headers: xff('192.0.2.1,203.0.113.77'), trust: PROXIES, client: '203.0.113.77', allowed: true },
  // Several header instances.
  { name: 'two instances: last is nearest', socket: '127.0.0.1', headers: xff(['203.0.113.5', '192.0.2.1']), trust: PROXIES, client: '192.0.2.1', allowed: false },
  { name: 'two instances: trusted hop in the last one', socket: '127.0.0.1', headers: xff(['203.0.113.5', '10.0.0.7']), trust: PROXIES, client: '203.0.113.5', allowed: true },
  { name: 'instances with commas', socket: '127.0.0.1', headers: xff(['1.1.1.1, 203.0.113.8', '10.0.0.1, 10.0.0.2']), trust: PROXIES, client: '203.0.113.8', allowed: true },
  { name: 'garbage instance left of the client is not needed', socket: '127.0.0.1', headers: xff(['evil', '203.0.113.8']), trust: PROXIES, client: '203.0.113.8', allowed: true },
  { name: 'garbage instance needed for the walk', socket: '127.0.0.1', headers: xff(['203.0.113.8', '10.0.0.1', 'evil']), trust: PROXIES, client: null, allowed: false },
  // Mixed families and mapped addresses.
  { name: 'mapped socket address', socket: '::ffff:127.0.0.1', headers: xff('203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  { name: 'mapped XFF entry', socket: '127.0.0.1', headers: xff('::ffff:203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  { name: 'hex-mapped socket, IPv6 client', socket: '::ffff:7f00:1', headers: xff('2001:db8:1::5'), trust: PROXIES, client: '2001:db8:1::5', allowed: true },
  { name: 'IPv6 socket, IPv4 client', socket: '::1', headers: xff('198.51.100.7'), trust: PROXIES, client: '198.51.100.7', allowed: true },
  { name: 'IPv6 client in upper case, uncompressed', socket: '::1', headers: xff('2001:DB8:1:0:0:0:0:9'), trust: PROXIES, client: '2001:db8:1::9', allowed: true },
  { name: 'IPv6 client outside the list', socket: '::1', headers: xff('2001:db8:2::1'), trust: PROXIES, client: '2001:db8:2::1', allowed: false },
  { name: 'mapped trusted hop', socket: '127.0.0.1', headers: xff('203.0.113.5, ::ffff:10.0.0.1'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  // Non-canonical forms needed for the walk fail closed.
  { name: '127.1', socket: '127.0.0.1', headers: xff('127.1'), trust: PROXIES, client: null, allowed: false },
  { name: '0x7f.1', socket: '127.0.0.1', headers: xff('0x7f.1'), trust: PROXIES, client: null, allowed: false },
  { name: '017700000001', socket: '127.0.0.1', headers: xff('017700000001'), trust: PROXIES, client: null, allowed: false },
  { name: '2130706433', socket: '127.0.0.1', headers: xff('2130706433'), trust: PROXIES, client: null, allowed: false },
  { name: '010.0.0.1', socket: '127.0.0.1', headers: xff('010.0.0.1'), trust: PROXIES, client: null, allowed: false },
  { name: 'tab after the entry', socket: '127.0.0.1', headers: xff('203.0.113.5\t'), trust: PROXIES, client: null, allowed: false },
  { name: '[::1] in XFF', socket: '127.0.0.1', headers: xff('[::1]'), trust: PROXIES, client: null, allowed: false },
  { name: 'zone id in XFF', socket: '127.0.0.1', headers: xff('::1%eth0'), trust: PROXIES, client: null, allowed: false },
  { name: 'port in XFF', socket: '127.0.0.1', headers: xff('203.0.113.5:80'), trust: PROXIES, client: null, allowed: false },
  { name: 'garbage XFF', socket: '127.0.0.1', headers: xff('hello'), trust: PROXIES, client: null, allowed: false },
  { name: 'non-canonical entry left of the client is not needed', socket: '127.0.0.1', headers: xff('127.1, 203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  { name: 'leading space is header whitespace', socket: '127.0.0.1', headers: xff(' 203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  // Empty entries.
  { name: 'empty header', socket: '127.0.0.1', headers: xff(''), trust: PROXIES, client: null, allowed: false },
  { name: 'trailing empty entry', socket: '127.0.0.1', headers: xff('203.0.113.5, '), trust: PROXIES, client: null, allowed: false },
  { name: 'empty entry in the middle, needed', socket: '127.0.0.1', headers: xff('203.0.113.5,,10.0.0.1'), trust: PROXIES, client: null, allowed: false },
  { name: 'empty entry left of the client', socket: '127.0.0.1', headers: xff(',203.0.113.5'), trust: PROXIES, client: '203.0.113.5', allowed: true },
  // Bad socket addresses.
  { name: 'missing socket address', socket: undefined, headers: xff('203.0.113.5'), trust: PROXIES, client: null, allowed: false },
  { name: 'missing socket address, no trust', socket: undefined, headers: {}, trust: false, client: null, allowed: false },
  { name: 'empty socket address', socket: '', headers: {}, trust: false, client: null, allowed: false },
  { name: 'socket 127.1', socket: '127.1', headers: xff('203.0.113.5'), trust: PROXIES, client: null, allowed: false },
  { name: 'socket with a leading space', socket: ' 203.0.113.5', headers: {}, trust: false, client: null, allowed: false },
  { name: 'socket with a zone id', socket: 'fe80::1%eth0', headers: {}, trust: ['linklocal'], client: null, allowed: false },
  // Hop counts.
  { name: 'hop count 1', socket: '192.0.2.99', headers: xff('203.0.113.1, 203.0.113.2'), trust: 1, client: '203.0.113.2', allowed: true },
  { name: 'hop count 2', socket: '192.0.2.99', headers: xff('198.51.100.7, 192.0.2.2'), trust: 2, client: '198.51.100.7', allowed: true },
  { name: 'hop count beyond the entries → leftmost', socket: '192.0.2.99', headers: xff('203.0.113.1, 192.0.2.2'), trust: 5, client: '203.0.113.1', allowed: true },
  { name: 'hop count without XFF → socket', socket: '203.0.113.3', headers: {}, trust: 1, client: '203.0.113.3', allowed: true },
  { name: 'hop count 0 = no trust', socket: '192.0.2.99', headers: xff('203.0.113.1'), trust: 0, client: '192.0.2.99', allowed: false },
  { name: 'hop count as a string', socket: '192.0.2.99', headers: xff('203.0.113.1, 203.0.113.2'), trust: '1', client: '203.0.113.2', allowed: true },
  // true and functions.
  { name: 'true trusts the forgeable leftmost entry', socket: '192.0.2.1', headers: xff('198.51.100.7, 10.0.0.1'), trust: true, client: '198.51.100.7', allowed: true },
  { name: 'function trust', socket: '192.0.2.1', headers: xff('203.0.113.4, 192.0.2.2'), trust: (a) => a.startsWith('192.0.2.'), client: '203.0.113.4', allowed: true },
  { name: 'string list with spaces', socket: '172.16.0.1', headers: xff('203.0.113.4'), trust: 'loopback, uniquelocal', client: '203.0.113.4', allowed: true },
  // RFC 7239 Forwarded.
  { name: 'Forwarded for=', socket: '127.0.0.1', headers: fwd('for=203.0.113.60;proto=https;by=10.0.0.1'), trust: PROXIES, forwarded: true, client: '203.0.113.60', allowed: true },
  { name: 'Forwarded quoted IPv6 with port', socket: '127.0.0.1', headers: fwd('for="[2001:db8:1::17]:4711"'), trust: PROXIES, forwarded: true, client: '2001:db8:1::17', allowed: true },
  { name: 'Forwarded quoted IPv6 without port', socket: '127.0.0.1', headers: fwd('For="[2001:DB8:1::1]"'), trust: PROXIES, forwarded: true, client: '2001:db8:1::1', allowed: true },
  { name: 'Forwarded quoted IPv4 with port', socket: '127.0.0.1', headers: fwd('for="203.0.113.9:80"'), trust: PROXIES, forwarded: true, client: '203.0.113.9', allowed: true },
  { name: 'Forwarded unquoted port', socket: '127.0.0.1', headers: fwd('for=203.0.113.9:80'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded unquoted brackets', socket: '127.0.0.1', headers: fwd('for=[::1]'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded quoted IPv6 without brackets', socket: '127.0.0.1', headers: fwd('for="2001:db8:1::1"'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded bracketed IPv4', socket: '127.0.0.1', headers: fwd('for="[203.0.113.9]"'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded bad port', socket: '127.0.0.1', headers: fwd('for="203.0.113.9:99999"'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded obfuscated id', socket: '127.0.0.1', headers: fwd('for=_hidden'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded unknown', socket: '127.0.0.1', headers: fwd('for=unknown'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded obfuscated left of the client', socket: '127.0.0.1', headers: fwd('for=_hidden, for=203.0.113.5'), trust: PROXIES, forwarded: true, client: '203.0.113.5', allowed: true },
  { name: 'Forwarded spoofed leftmost', socket: '127.0.0.1', headers: fwd('for=203.0.113.5, for=192.0.2.1'), trust: PROXIES, forwarded: true, client: '192.0.2.1', allowed: false },
  { name: 'Forwarded instances and elements', socket: '127.0.0.1', headers: fwd(['for=198.51.100.7', 'for=192.0.2.43, for=10.0.0.5']), trust: PROXIES, forwarded: true, client: '192.0.2.43', allowed: false },
  { name: 'Forwarded all trusted → leftmost', socket: '127.0.0.1', headers: fwd(['for=198.51.100.7;proto=http', 'for=10.0.0.5']), trust: 3, forwarded: true, client: '198.51.100.7', allowed: true },
  { name: 'Forwarded mapped IPv6', socket: '127.0.0.1', headers: fwd('for="[::ffff:203.0.113.5]"'), trust: PROXIES, forwarded: true, client: '203.0.113.5', allowed: true },
  { name: 'Forwarded element without for=', socket: '127.0.0.1', headers: fwd('proto=https'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded empty element needed', socket: '127.0.0.1', headers: fwd('for=203.0.113.5, '), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded unterminated quote', socket: '127.0.0.1', headers: fwd('for="[2001:db8:1::1]'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded duplicate for=', socket: '127.0.0.1', headers: fwd('for=203.0.113.5;for=192.0.2.1'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded garbage', socket: '127.0.0.1', headers: fwd('%%%'), trust: PROXIES, forwarded: true, client: null, allowed: false },
  { name: 'Forwarded mode ignores XFF', socket: '127.0.0.1', headers: xff('203.0.113.5'), trust: PROXIES, forwarded: true, client: '127.0.0.1', allowed: false },
  { name: 'XFF mode ignores Forwarded', socket: '127.0.0.1', headers: fwd('for=203.0.113.5'), trust: PROXIES, client: '127.0.0.1', allowed: false },
  { name: 'Forwarded from an untrusted socket is ignored', socket: '192.0.2.7', headers: fwd('for=203.0.113.5'), trust: PROXIES, forwarded: true, client: '192.0.2.7', allowed: false },
];

describe('ProxyTrust.clientAddress', () => {
  it('has a large table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', ({ socket, headers, trust, forwarded, client, allowed }) => {
    const rule = compileTrustProxy(trust, { forwarded: forwarded ?? false });
    const actual = rule.clientAddress(socket, headers);
    expect(actual).toBe(client);
    expect(actual !== null && ALLOW.contains(actual)).toBe(allowed);
  });

  it('passes the canonical address and the hop index to a trust function, which may parse addresses itself', () => {
    const seen: Array<[string, number]> = [];
    const rule = compileTrustProxy((address, hop) => {
      seen.push([address, hop]);
      // Parsing inside the callback must not disturb the walk's own parse state.
      parseIp('2001:db8::dead');
      ALLOW.contains('198.51.100.7');
      return address === '127.0.0.1' || address === '10.0.0.1';
    });
    expect(rule.clientAddress('::ffff:127.0.0.1', xff('203.0.113.5, 10.0.0.1'))).toBe('203.0.113.5');
    expect(seen).toEqual([
      ['127.0.0.1', 0],
      ['10.0.0.1', 1],
      ['203.0.113.5', 2],
    ]);
    const all = compileTrustProxy(() => {
      parseIp('2001:db8::dead');
      return true;
    });
    expect(all.clientAddress('127.0.0.1', xff('203.0.113.5, 10.0.0.1'))).toBe('203.0.113.5');
  });

  it('fails closed on header values of the wrong type', () => {
    const rule = compileTrustProxy(PROXIES);
    expect(rule.clientAddress('127.0.0.1', { 'x-forwarded-for': 42 as unknown as string })).toBeNull();
    expect(rule.clientAddress('127.0.0.1', { 'x-forwarded-for': [42] as unknown as string[] })).toBeNull();
    const fwdRule = compileTrustProxy(PROXIES, { forwarded: true });
    expect(fwdRule.clientAddress('127.0.0.1', { forwarded: {} as unknown as string })).toBeNull();
  });

  it('handles a hostile 16 KB header without crashing', () => {
    const rule = compileTrustProxy(true);
    const long = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(', ');
    expect(rule.clientAddress('127.0.0.1', xff(long))).toBe('10.0.0.0');
    const fwdRule = compileTrustProxy(true, { forwarded: true });
    expect(fwdRule.clientAddress('127.0.0.1', fwd('for="' + '\\"'.repeat(8000)))).toBeNull();
    expect(fwdRule.clientAddress('127.0.0.1', fwd('for=a;'.repeat(3000)))).toBeNull();
  });
});

describe('ProxyTrust.isSecure', () => {
  const proto = (value: string | string[]): HeaderMap => ({ 'x-forwarded-proto': value });
  const secureCases: Array<[string, boolean, string | undefined, HeaderMap, TrustProxySetting, boolean, boolean]> = [
    ['TLS socket, no trust', true, '192.0.2.1', {}, false, false, true],
    ['TLS socket, missing address', true, undefined, {}, false, false, true],
    ['plain socket, no header', false, '127.0.0.1', {}, PROXIES, false, false],
    ['untrusted peer sends https', false, '192.0.2.1', proto('https'), PROXIES, false, false],
    ['no trust, header https', false, '127.0.0.1', proto('https'), false, false, false],
    ['trusted peer https', false, '127.0.0.1', proto('https'), PROXIES, false, true],
    ['trusted peer HTTPS', false, '10.0.0.1', proto('HTTPS'), PROXIES, false, true],
    ['trusted peer http', false, '127.0.0.1', proto('http'), PROXIES, false, false],
    ["trusted peer 'https, http'", false, '127.0.0.1', proto('https, http'), PROXIES, false, false],
    ["trusted peer 'http, https'", false, '127.0.0.1', proto('http, https'), PROXIES, false, false],
    ["trusted peer 'https,https'", false, '127.0.0.1', proto('https,https'), PROXIES, false, true],
    ['two instances https', false, '127.0.0.1', proto(['https', 'https']), PROXIES, false, true],
    ['two instances https + http', false, '127.0.0.1', proto(['https', 'http']), PROXIES, false, false],
    ['empty header', false, '127.0.0.1', proto(''), PROXIES, false, false],
    ['empty value', false, '127.0.0.1', proto('https,'), PROXIES, false, false],
    ['empty array', false, '127.0.0.1', proto([]), PROXIES, false, false],
    ['missing socket address', false, undefined, proto('https'), PROXIES, false, false],
    ['unparseable socket address', false, '127.1', proto('https'), PROXIES, false, false],
    ['hop count trusts the peer', false, '192.0.2.1', proto('https'), 1, false, true],
    ['true trusts the peer', false, '192.0.2.1', proto('https'), true, false, true],
    ['function rejects the peer', false, '192.0.2.1', proto('https'), () => false, false, false],
    ['Forwarded proto=https', false, '127.0.0.1', fwd('for=203.0.113.5;proto=https'), PROXIES, true, true],
    ['Forwarded proto=HTTPS quoted', false, '127.0.0.1', fwd('for=203.0.113.5;proto="HTTPS"'), PROXIES, true, true],
    ['Forwarded proto=http', false, '127.0.0.1', fwd('for=203.0.113.5;proto=http'), PROXIES, true, false],
    ['Forwarded mixed protos', false, '127.0.0.1', fwd('for=1.2.3.4;proto=http, for=203.0.113.5;proto=https'), PROXIES, true, false],
    ['Forwarded nearest element lacks proto', false, '127.0.0.1', fwd('for=1.2.3.4;proto=https, for=203.0.113.5'), PROXIES, true, false],
    ['Forwarded every element https', false, '127.0.0.1', fwd(['for=1.2.3.4;proto=https', 'for=203.0.113.5;proto=https']), PROXIES, true, true],
    ['Forwarded malformed', false, '127.0.0.1', fwd('for=1.2.3.4;proto=https;proto=https'), PROXIES, true, false],
    ['Forwarded from untrusted peer', false, '192.0.2.1', fwd('proto=https'), PROXIES, true, false],
    ['Forwarded mode ignores X-Forwarded-Proto', false, '127.0.0.1', proto('https'), PROXIES, true, false],
    ['XFF mode ignores Forwarded', false, '127.0.0.1', fwd('proto=https'), PROXIES, false, false],
  ];
  it.each(secureCases)('%s', (_name, encrypted, socket, headers, trust, forwarded, expected) => {
    expect(compileTrustProxy(trust, { forwarded }).isSecure(encrypted, socket, headers)).toBe(expected);
  });
});

describe('compileTrustProxy', () => {
  it('warns once, with a code, for true', () => {
    expect(compileTrustProxy(true).warnings.map((w) => w.code)).toEqual(['VC_PERMISSIVE_TRUST_PROXY']);
    expect(compileTrustProxy('true').warnings.map((w) => w.code)).toEqual(['VC_PERMISSIVE_TRUST_PROXY']);
    expect(compileTrustProxy(false).warnings).toEqual([]);
    expect(compileTrustProxy(['loopback']).warnings).toEqual([]);
  });

  const errors: Array<[unknown, RegExp]> = [
    ['nonsense', /`trustProxy` entry 0 \("nonsense"\) is not a canonical/],
    [['10.0.0.1/8'], /entry 0 \("10\.0\.0\.1\/8"\) has host bits set: did you mean 10\.0\.0\.0\/8\?/],
    [['loopback', '012.0.0.0/8'], /entry 1 \("012\.0\.0\.0\/8"\) is not a canonical/],
    [['0.0.0.0/0'], /matches every IPv4 address; set it to true/],
    ['loopback,', /entry 1 is empty/],
    [-1, /hop count must be a non-negative integer/],
    [1.5, /hop count must be a non-negative integer/],
    [Number.NaN, /hop count must be a non-negative integer/],
    [{}, /must be false, true, a hop count/],
    [[null], /entry 0 must be a string/],
  ];
  it.each(errors)('rejects %j', (setting, message) => {
    expect(() => compileTrustProxy(setting as TrustProxySetting)).toThrow(VectorcacheOptionError);
    expect(() => compileTrustProxy(setting as TrustProxySetting)).toThrow(message);
  });

  it('names a custom option and checks the forwarded flag', () => {
    expect(() => compileTrustProxy('127.1', {}, 'VECTORCACHE_TRUST_PROXY')).toThrow(/`VECTORCACHE_TRUST_PROXY` entry 0/);
    expect(() => compileTrustProxy(false, { forwarded: 'yes' as unknown as boolean })).toThrow(/`forwarded` must be a boolean/);
  });
});

describe('RFC 7239 parser', () => {
  it('parses elements, pairs, quoted strings and escapes', () => {
    expect(parseForwarded(['for=192.0.2.60;proto=http;by=203.0.113.43', 'for="[2001:db8:cafe::17]:4711", for="\\"x\\""'])).toEqual([
      { for: '192.0.2.60', proto: 'http' },
      { for: '[2001:db8:cafe::17]:4711', proto: undefined },
      { for: '"x"', proto: undefined },
    ]);
    expect(parseForwarded(';for=1.2.3.4;;proto=https;')).toEqual([{ for: '1.2.3.4', proto: 'https' }]);
    expect(parseForwarded('for=1.2.3.4 ; proto=https ,for=5.6.7.8')).toEqual([
      { for: '1.2.3.4', proto: 'https' },
      { for: '5.6.7.8', proto: undefined },
    ]);
  });

  it.each(['for', 'for=', '=x', 'for="x', 'for=a b', 'for="a\u0001"', 'for=a;;b', 'for=a,"b"', 'for=a;for=b'])('rejects %j', (header) => {
    expect(parseForwarded(header)).toBeNull();
  });

  it.each([
    ['192.0.2.43', '192.0.2.43'],
    ['192.0.2.43:47011', '192.0.2.43'],
    ['[2001:db8:cafe::17]', '2001:db8:cafe::17'],
    ['[2001:db8:cafe::17]:4711', '2001:db8:cafe::17'],
    ['[2001:db8:cafe::17]:_port-1', '2001:db8:cafe::17'],
    ['192.0.2.43:', null],
    ['192.0.2.43:65536', null],
    ['192.0.2.43:_', null],
    ['[2001:db8:cafe::17', null],
    ['[2001:db8:cafe::17]x', null],
    ['[192.0.2.43]', null],
  ])('forwardedNodeAddress(%j) → %j', (node, expected) => {
    expect(forwardedNodeAddress(node)).toBe(expected);
  });
});
