// Tests for strict IP parsing: canonical forms accepted, ambiguous forms refused, RFC 5952 output.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { parseIp } from './ip.js';

describe('parseIp', () => {
  const cases: Array<[string, string | null]> = [
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', null],
    ['0x7f.1', null],
    ['0x7f.0.0.1', null],
    ['017700000001', null],
    ['2130706433', null],
    ['010.0.0.1', null],
    ['1.2.3.04', null],
    ['00.0.0.0', null],
    ['256.0.0.1', null],
    ['1.2.3', null],
    ['1.2.3.4.5', null],
    ['1..3.4', null],
    ['1.2.3.4.', null],
    ['.1.2.3.4', null],
    [' 1.2.3.4', null],
    ['1.2.3.4 ', null],
    ['1.2.3.4\t', null],
    ['1.2.3.4:80', null],
    ['+1.2.3.4', null],
    ['１.2.3.4', null],
    ['', null],
    ['::1', '::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['fe80::1', 'fe80::1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:c000:280', '192.0.2.128'],
    ['::ffff:010.0.0.1', null],
    ['::ffff:127.1', null],
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1:2:3:4:5:6:7:1.2.3.4', null],
    ['::1%eth0', null],
    ['fe80::1%1', null],
    ['[::1]', null],
    ['[::1]:80', null],
    [':::', null],
    [':1', null],
    ['1:', null],
    ['1:::2', null],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7', null],
    ['12345::', null],
    ['g::1', null],
    ['::1 ', null],
    ['\t::1', null],
    ['1:2:3:4:5:6:7::8', null],
  ];
  it.each(cases)('%j → %j', (input, expected) => {
    expect(parseIp(input)).toBe(expected);
  });

  it('returns null for non-strings', () => {
    expect(parseIp(undefined as unknown as string)).toBeNull();
    expect(parseIp(2130706433 as unknown as string)).toBeNull();
  });

  it('formats any IPv6 address as ipaddr.js does (RFC 5952) and round-trips', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.boolean(), (parts, upper) => {
        const address = new ipaddr.IPv6(parts);
        const expected = address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toRFC5952String();
        const normalized = address.toNormalizedString();
        expect(parseIp(upper ? normalized.toUpperCase() : normalized)).toBe(expected);
        expect(parseIp(address.toRFC5952String())).toBe(expected);
        expect(parseIp(expected)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a string that ipaddr.js reads as a different address', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEFx.:%[] \t'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }).map((chars) => chars.join('')), (text) => {
        const ours = parseIp(text);
        if (ours === null) return;
        const theirs = ipaddr.process(text);
        const theirsText = theirs.kind() === 'ipv6' ? (theirs as ipaddr.IPv6).toRFC5952String() : theirs.toString();
        expect(ours).toBe(theirsText);
      }),
      { numRuns: 5000 },
    );
  });
});
