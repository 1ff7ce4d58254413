// Tests for strict per-key CIDR validation.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { normalizeCidr, validateAllowedIps } from './allowed-ips.js';

describe('normalizeCidr', () => {
  it('accepts canonical CIDRs and single addresses', () => {
    expect(normalizeCidr('10.0.0.0/8', 'o')).toBe('10.0.0.0/8');
    expect(normalizeCidr('203.0.113.7', 'o')).toBe('203.0.113.7/32');
    expect(normalizeCidr('2001:DB8:0::/32', 'o')).toBe('2001:db8::/32');
    expect(normalizeCidr('::1', 'o')).toBe('::1/128');
  });

  it('refuses ambiguous, malformed and over-broad ranges', () => {
    for (const bad of ['10.0.0.1/8', '010.0.0.0/8', '10.1/16', '0x0a.0.0.0/8', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '0.0.0.0/0', '::/0', 'fe80::1%eth0/128', '2001:db8::1/32', 'abc', '', '10.0.0.0/8/8', '256.0.0.0/8', '2130706433']) {
      expect(() => normalizeCidr(bad, '--allow-ip'), bad).toThrow(/`--allow-ip`/);
    }
    expect(() => normalizeCidr('10.0.0.1/8', 'o')).toThrow(/did you mean "10.0.0.0\/8"/);
  });
});

describe('validateAllowedIps', () => {
  it('normalises, trims and de-duplicates', () => {
    expect(validateAllowedIps([' 10.0.0.0/8', '10.0.0.0/8', '192.168.1.1'], 'o')).toEqual(['10.0.0.0/8', '192.168.1.1/32']);
    expect(() => validateAllowedIps('10.0.0.0/8', 'o')).toThrow(/array/);
    expect(() => validateAllowedIps([8], 'o')).toThrow(/CIDR strings/);
  });
});

describe('normalizeCidr against ipaddr.js (the parser it replaced)', () => {
  /** What the former ipaddr.js-based validation returned for a well-formed CIDR: the network, or "host bits". */
  function reference(text: string): string {
    const [network, prefix] = ipaddr.parseCIDR(text);
    const canonical = (a: ipaddr.IPv4 | ipaddr.IPv6) => (a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toRFC5952String() : a.toString());
    const base = network.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    return canonical(base) === canonical(network) ? `${canonical(network)}/${prefix}` : 'host bits';
  }
  const outcome = (text: string): string => {
    try {
      return normalizeCidr(text, 'o');
    } catch (error) {
      if (/host bits/.test((error as Error).message)) return 'host bits';
      throw error;
    }
  };

  it('agrees on random IPv4 and IPv6 CIDRs, canonical text and host bits alike', () => {
    const v4 = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 32 }))
      .map(([b, p]) => `${b.join('.')}/${p}`);
    // Sparse groups, so zero runs (and `::` compression) are common.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const v6 = fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 128 }), fc.boolean())
      .map(([g, p, upper]) => {
        const text = new ipaddr.IPv6(g).toRFC5952String();
        return `${upper ? text.toUpperCase() : text}/${p}`;
      });
    fc.assert(
      fc.property(fc.oneof(v4, v6), (text) => {
        expect(outcome(text)).toBe(reference(text));
      }),
      { numRuns: 3_000 },
    );
  });
});
