// Tests for compiled allowlists: agreement with a naive ipaddr.js scan, misconfiguration errors, atomic swaps.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { VectorcacheOptionError } from '../errors.js';
import { AllowlistHolder, compileAllowlist } from './allowlist.js';
import { RangeSet, parseCidr } from './ranges.js';

type Family = 4 | 6;
interface Net {
  family: Family;
  value: bigint;
  prefix: number;
}

const width = (f: Family): number => (f === 4 ? 32 : 128);
const hostMask = (f: Family, prefix: number): bigint => (1n << BigInt(width(f) - prefix)) - 1n;

function toText(family: Family, value: bigint): string {
  const bytes: number[] = [];
  for (let i = width(family) / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  const address = ipaddr.fromByteArray(bytes);
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

function netText(net: Net, bare: boolean): string {
  const base = toText(net.family, net.value);
  return bare && net.prefix === width(net.family) ? base : `${base}/${net.prefix}`;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Naive reference ranges: ipaddr.js parseCIDR of every entry (mapped ranges ≥ /96 as IPv4). */
function referenceRanges(list: readonly string[]): Cidr[] {
  return list.map((entry) => {
    const withPrefix = entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`;
    const [network, bits] = ipaddr.parseCIDR(withPrefix);
    if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [network, bits];
  });
}

/** Naive reference lookup: parse once, ipaddr.js `match` against every range. */
function referenceContains(ranges: readonly Cidr[], address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return ranges.some(([network, bits]) => parsed.kind() === network.kind() && parsed.match(network, bits));
}

const familyArb = fc.constantFrom<Family>(4, 6);
const netArb: fc.Arbitrary<Net> = familyArb.chain((family) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(width(family))) - 1n }), fc.integer({ min: 1, max: width(family) }))
    .map(([raw, prefix]) => ({ family, prefix, value: raw & ~hostMask(family, prefix) })),
);

/** Seed networks plus networks nested inside them, so lists overlap and nest. */
const listArb = (maxSeeds: number, minChildren: number, maxChildren: number, maxExtra: number, keepSeeds = true) =>
  fc
  .tuple(
    fc.array(netArb, { minLength: 1, maxLength: maxSeeds }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: keepSeeds ? 0 : 8, max: maxExtra }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })), {
      minLength: minChildren,
      maxLength: maxChildren,
    }),
    fc.boolean(),
  )
  .map(([seeds, children, bare]) => {
    const nets = [...seeds];
    for (const [pick, extra, noise] of children) {
      const seed = nets[pick % (keepSeeds ? nets.length : seeds.length)]!;
      const prefix = Math.min(width(seed.family), seed.prefix + extra);
      const value = (seed.value | (noise & hostMask(seed.family, seed.prefix))) & ~hostMask(seed.family, prefix);
      nets.push({ family: seed.family, prefix, value });
    }
    const kept = keepSeeds ? nets : nets.slice(seeds.length);
    return { nets: kept, texts: kept.map((n) => netText(n, bare)) };
  });

function addressesNear(nets: Net[], noise: bigint[]): string[] {
  const out: string[] = [];
  nets.forEach((net, i) => {
    const max = (1n << BigInt(width(net.family))) - 1n;
    const end = net.value | hostMask(net.family, net.prefix);
    const inside = net.value | ((noise[i % noise.length] ?? 0n) & hostMask(net.family, net.prefix));
    for (const v of [net.value, end, inside, net.value - 1n, end + 1n]) {
      if (v < 0n || v > max) continue;
      out.push(toText(net.family, v));
      if (net.family === 4) out.push(`::ffff:${toText(4, v)}`);
    }
  });
  return out;
}

describe('compileAllowlist', () => {
  const agrees = (lists: ReturnType<typeof listArb>, numRuns: number): void => {
    fc.assert(
      fc.property(
        lists,
        fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(familyArb, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })), { maxLength: 6 }),
        ({ nets, texts }, noise, randoms) => {
          const list = compileAllowlist(texts);
          const probes = [
            ...addressesNear(nets.slice(0, 60), noise),
            ...randoms.map(([f, v]) => toText(f, v & ((1n << BigInt(width(f))) - 1n))),
          ];
          const reference = referenceRanges(texts);
          for (const probe of probes) {
            const expected = referenceContains(reference, probe);
            if (list.contains(probe) !== expected) {
              expect({ probe, verdict: list.contains(probe) }).toEqual({ probe, verdict: expected });
            }
          }
        },
      ),
      { numRuns },
    );
  };

  it('agrees with a naive ipaddr.js scan for random (overlapping, nested) lists', () => {
    agrees(listArb(8, 0, 12, 40), 500);
  });

  it('finds ranges that span many index buckets in long lists', () => {
    const v4: string[] = ['10.0.0.0/9', '11.0.0.0/24'];
    const v6: string[] = ['2400::/12', '2c00::/16'];
    for (let i = 0; i < 1000; i++) {
      v4.push(`10.200.${i >> 4}.${(i & 15) << 4}/28`);
      v6.push(`2a00:${i.toString(16)}::/48`);
    }
    const texts = [...v4, ...v6];
    const list = compileAllowlist(texts);
    const reference = referenceRanges(texts);
    const probes = [
      '10.0.0.0', '10.0.0.1', '10.64.0.1', '10.100.200.1', '10.127.255.255', '10.128.0.0', '10.200.1.17', '10.200.63.255',
      '10.200.62.239', '10.200.62.240', '10.201.0.0', '11.0.0.9', '11.0.1.0', '9.255.255.255',
      '2400::', '240f:ffff::1', '240f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2410::', '23ff:ffff::',
      '2a00:3e7::9', '2a00:3e8::', '2a00:0:ffff::', '2c00:ffff::1', '2c01::',
    ];
    for (const probe of probes) {
      expect({ probe, verdict: list.contains(probe) }).toEqual({ probe, verdict: referenceContains(reference, probe) });
    }
    expect(list.contains('10.100.200.1')).toBe(true);
    expect(list.contains('240f:ffff::1')).toBe(true);
  });

  it('long-list generator really yields lists past the bucket-index threshold', () => {
    const counts = fc.sample(listArb(3, 100, 400, 30, false), { numRuns: 20, seed: 7 }).map(({ texts }) =>
      new RangeSet(texts.map((t, i) => parseCidr(t, i, { option: 'x', everyAddressHint: '' }))).rangeCount,
    );
    expect(counts.filter((n) => n >= 64).length).toBeGreaterThanOrEqual(15);
  });

  it('agrees with the naive scan for long clustered lists (bucket index in use)', () => {
    // Few seeds and many children: families share leading bits, which the bucket index skips.
    agrees(listArb(3, 100, 400, 30, false), 40);
  });

  const sample = compileAllowlist(['203.0.113.0/24', '10.0.0.0/8', '2001:db8::/32', '198.51.100.7', '::ffff:192.0.2.0/120']);

  it.each([
    ['203.0.113.1', true],
    ['203.0.114.0', false],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['198.51.100.7', true],
    ['198.51.100.8', false],
    ['::ffff:198.51.100.7', true],
    ['::ffff:c633:6407', true],
    ['192.0.2.200', true],
    ['2001:db8:ffff::1', true],
    ['2001:db9::', false],
    ['2001:DB8::1', true],
    ['010.0.0.1', false],
    ['10.1', false],
    ['167772161', false],
    ['0xa.0.0.1', false],
    [' 10.0.0.1', false],
    ['10.0.0.1\t', false],
    ['[2001:db8::1]', false],
    ['2001:db8::1%eth0', false],
    ['10.0.0.1:80', false],
    ['', false],
    ['garbage', false],
  ])('contains(%j) → %s', (address, verdict) => {
    expect(sample.contains(address)).toBe(verdict);
  });

  it('fails closed on non-string input and reports its size', () => {
    expect(sample.contains(undefined as unknown as string)).toBe(false);
    expect(sample.contains(167772161 as unknown as string)).toBe(false);
    expect(sample.size).toBe(5);
  });

  it('an empty list allows nobody', () => {
    const empty = compileAllowlist([]);
    expect(empty.contains('10.0.0.1')).toBe(false);
    expect(empty.size).toBe(0);
  });

  it('accepts IPv4 netmask notation and surrounding whitespace in configuration', () => {
    const list = compileAllowlist([' 10.0.0.0/255.0.0.0 ', '192.168.0.0/255.255.0.0']);
    expect(list.contains('10.9.9.9')).toBe(true);
    expect(list.contains('192.168.3.4')).toBe(true);
    expect(list.contains('192.169.0.0')).toBe(false);
  });

  const errors: Array<[unknown[], RegExp]> = [
    [['10.0.0.0/8', '012.0.0.0/8'], /`ipAllowlist` entry 1 \("012\.0\.0\.0\/8"\) is not a canonical/],
    [['10.0.0.1/8'], /entry 0 \("10\.0\.0\.1\/8"\) has host bits set: did you mean 10\.0\.0\.0\/8\?/],
    [['2001:db8::1/32'], /host bits set: did you mean 2001:db8::\/32\?/],
    [['::ffff:10.0.0.1/104'], /host bits set: did you mean 10\.0\.0\.0\/8\?/],
    [['0.0.0.0/0'], /entry 0 \("0\.0\.0\.0\/0"\) matches every IPv4 address; remove the option to allow any address/],
    [['::/0'], /matches every IPv6 address; remove the option/],
    [['::ffff:0.0.0.0/96'], /matches every IPv4 address/],
    [['10.0.0.0/33'], /entry 0 \("10\.0\.0\.0\/33"\) has an invalid prefix length: use \/0 to \/32/],
    [['2001:db8::/129'], /invalid prefix length: use \/0 to \/128/],
    [['10.0.0.0/08'], /invalid prefix length/],
    [['10.0.0.0/'], /invalid prefix length/],
    [['10.0.0.0/-8'], /invalid prefix length/],
    [['10.0.0.0/255.0.255.0'], /invalid prefix length/],
    [['127.1/32'], /is not a canonical/],
    [['10.0.0.0/8', ''], /entry 1 is empty/],
    [['fe80::/10%eth0'], /invalid prefix length/],
    [['fe80::%eth0/10'], /is not a canonical/],
    [['[::1]/128'], /is not a canonical/],
    [[42], /entry 0 must be a string CIDR/],
  ];
  it.each(errors)('rejects %j', (list, message) => {
    expect(() => compileAllowlist(list as string[])).toThrow(VectorcacheOptionError);
    expect(() => compileAllowlist(list as string[])).toThrow(message);
  });

  it('names the option it was given and rejects a non-array', () => {
    expect(() => compileAllowlist(['10.0.0.1/8'], 'keys.allowedIps')).toThrow(/`keys\.allowedIps` entry 0/);
    expect(() => compileAllowlist('10.0.0.0/8' as unknown as string[])).toThrow(/`ipAllowlist` must be an array/);
  });

  it('answers a 100,000-range list correctly', () => {
    const list: string[] = [];
    for (let i = 0; i < 100_000; i++) list.push(`10.${(i >> 8) & 255}.${i & 255}.0/24`, );
    const big = compileAllowlist(list);
    expect(big.contains('10.1.2.3')).toBe(true);
    expect(big.contains('11.0.0.1')).toBe(false);
  });
});

describe('AllowlistHolder', () => {
  it('allows any address until a list is set', () => {
    const holder = new AllowlistHolder();
    expect(holder.configured).toBe(false);
    expect(holder.contains('192.0.2.1')).toBe(true);
    expect(holder.contains('not an address')).toBe(true);
  });

  it('swaps to a good list and keeps the old list when the new one is bad', () => {
    const holder = new AllowlistHolder(['10.0.0.0/8']);
    expect(holder.configured).toBe(true);
    expect(holder.contains('10.1.1.1')).toBe(true);
    expect(holder.contains('192.0.2.1')).toBe(false);

    expect(() => holder.set(['192.0.2.0/24', '192.0.2.1/24'])).toThrow(/`ipAllowlist` entry 1 .*did you mean 192\.0\.2\.0\/24/);
    expect(holder.contains('10.1.1.1')).toBe(true);
    expect(holder.contains('192.0.2.1')).toBe(false);

    holder.set(['192.0.2.0/24']);
    expect(holder.contains('10.1.1.1')).toBe(false);
    expect(holder.contains('192.0.2.1')).toBe(true);
    expect(holder.size).toBe(1);

    holder.set(null);
    expect(holder.configured).toBe(false);
    expect(holder.contains('10.1.1.1')).toBe(true);
  });

  it('rejects a bad initial list with the given option name', () => {
    expect(() => new AllowlistHolder(['0.0.0.0/0'], 'allowIp')).toThrow(/`allowIp` entry 0/);
  });
});
