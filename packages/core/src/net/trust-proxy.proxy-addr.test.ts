// Property tests: the compiled trust-proxy walk picks the same client address as Express's `proxy-addr`, or refuses (null).
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseIp } from './ip.js';
import { compileTrustProxy, type TrustProxySetting } from './trust-proxy.js';

/** Addresses every parser reads alike: canonical IPv4, RFC 5952 IPv6, IPv4-mapped IPv6. */
const VALID = [
  '127.0.0.1', '10.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '203.0.113.7', '198.51.100.20', '169.254.1.1', '8.8.8.8',
  '::1', 'fe80::1', 'fc00::5', '2001:db8::1', '2001:db8:1::7', '::ffff:10.0.0.1', '::ffff:203.0.113.7',
];
/** Forms the strict parser refuses (proxy-addr reads some of them, e.g. the octal-looking one). */
const INVALID = ['010.0.0.1', '10.1', 'unknown', '', '[::1]', '10.0.0.1:80', 'fe80::1%eth0', '1.2.3.256', '0x0a.0.0.1'];

/** A proxy list: names and CIDRs around the pool's addresses, host bits cleared (our parser refuses them set). */
const cidr = fc.tuple(fc.constantFrom(...VALID.filter((a) => !a.startsWith('::ffff:'))), fc.integer({ min: 1, max: 128 })).map(([address, bits]) => {
  const parsed = ipaddr.parse(address);
  const prefix = Math.min(bits, parsed.kind() === 'ipv4' ? 32 : 128);
  const text = `${address}/${prefix}`;
  const network = parsed.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  return `${network.kind() === 'ipv6' ? (network as ipaddr.IPv6).toRFC5952String() : network.toString()}/${prefix}`;
});
const list = fc.array(fc.oneof(cidr, cidr, fc.constantFrom('loopback', 'linklocal', 'uniquelocal')), { minLength: 1, maxLength: 5 });

/** A setting in both grammars: ours, and the trust function Express hands proxy-addr for it. */
const setting: fc.Arbitrary<{ ours: TrustProxySetting; theirs: Parameters<typeof proxyaddr>[1] }> = fc.oneof(
  list.map((entries) => ({ ours: entries, theirs: entries })),
  fc.integer({ min: 0, max: 6 }).map((n) => ({ ours: n, theirs: (_: string, i: number) => i < n })),
  fc.boolean().map((all) => ({ ours: all, theirs: () => all })),
);

/** X-Forwarded-For as Node may deliver it: one string, or several instances (which Node would join with ", "). */
function request(socket: string, entries: string[], split: number) {
  const joined = entries.join(', ');
  const ours = entries.length === 0 ? {} : { 'x-forwarded-for': split > 0 && split < entries.length ? [entries.slice(0, split).join(','), entries.slice(split).join(' , ')] : joined };
  const theirs = { socket: { remoteAddress: socket }, connection: { remoteAddress: socket }, headers: entries.length === 0 ? {} : { 'x-forwarded-for': joined } };
  return { ours, theirs: theirs as unknown as IncomingMessage };
}

describe('trust proxy against proxy-addr', () => {
  it('with strictly valid addresses: the same client address (canonical text)', () => {
    const address = fc.constantFrom(...VALID);
    fc.assert(
      fc.property(setting, address, fc.array(address, { maxLength: 6 }), fc.nat(6), (trust, socket, entries, split) => {
        const req = request(socket, entries, split);
        const ours = compileTrustProxy(trust.ours).clientAddress(socket, req.ours);
        const theirs = proxyaddr(req.theirs, trust.theirs);
        expect(ours).not.toBeNull();
        expect(ours).toBe(parseIp(theirs));
      }),
      { numRuns: 3_000 },
    );
  });

  it('with malformed entries mixed in: the same client address, or null where ours refuses to guess', () => {
    const address = fc.oneof(fc.constantFrom(...VALID), fc.constantFrom(...INVALID));
    let refused = 0;
    let agreed = 0;
    fc.assert(
      fc.property(setting, address, fc.array(address, { maxLength: 6 }), fc.nat(6), (trust, socket, entries, split) => {
        const req = request(socket, entries, split);
        const ours = compileTrustProxy(trust.ours).clientAddress(socket, req.ours);
        const theirs = proxyaddr(req.theirs, trust.theirs);
        // Never a different address: a refusal (fail closed) is the only way to disagree.
        if (ours === null) refused++;
        else {
          expect(ours).toBe(parseIp(theirs));
          agreed++;
        }
        // Where proxy-addr returns a malformed string as "the client", ours refuses.
        if (parseIp(theirs) === null) expect(ours).toBeNull();
      }),
      { numRuns: 3_000 },
    );
    // Both branches are exercised, so the property says something about each.
    expect(refused).toBeGreaterThan(100);
    expect(agreed).toBeGreaterThan(100);
  });
});
