// Lockout buckets (issue 13 item 8): every address of an IPv6 /64 shares one key, IPv4 stays per address.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../errors.js';
import { parseIp } from './ip.js';
import { compileLockoutKey } from './lockout-key.js';

const hex16 = fc.integer({ min: 0, max: 0xffff });
const groups = fc.array(hex16, { minLength: 8, maxLength: 8 });
const v6Text = (g: number[]) => g.map((x) => x.toString(16)).join(':');
const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((p) => p.join('.'));

/** Bits of an address as a string of 0/1, to compare prefixes without the code under test. */
const bitsOf = (g: number[]) => g.map((x) => x.toString(2).padStart(16, '0')).join('');

describe('compileLockoutKey', () => {
  it('by default, two IPv6 addresses share a key exactly when their first 64 bits agree', () => {
    const key = compileLockoutKey();
    fc.assert(fc.property(groups, groups, fc.integer({ min: 0, max: 8 }), (a, b, keep) => {
      // Half the time b shares a's first `keep` groups, so equal prefixes are generated often.
      const c = [...a.slice(0, keep), ...b.slice(keep)];
      for (const other of [b, c]) {
        const same = bitsOf(a).slice(0, 64) === bitsOf(other).slice(0, 64);
        expect(key(v6Text(a)) === key(v6Text(other))).toBe(same);
      }
      expect(key(v6Text(a))).toMatch(/\/64$/);
    }), { numRuns: 500 });
  });

  it('any configured prefix groups by exactly that many bits; spellings of one address agree', () => {
    fc.assert(fc.property(groups, groups, fc.integer({ min: 16, max: 128 }), (a, b, prefix) => {
      const key = compileLockoutKey({ ipv6Prefix: prefix });
      const same = bitsOf(a).slice(0, prefix) === bitsOf(b).slice(0, prefix);
      expect(key(v6Text(a)) === key(v6Text(b))).toBe(same);
      const upper = v6Text(a).toUpperCase();
      expect(key(upper)).toBe(key(parseIp(v6Text(a))!));
    }), { numRuns: 500 });
  });

  it('IPv4 is per address by default (and IPv4-mapped IPv6 counts as that address)', () => {
    const key = compileLockoutKey();
    fc.assert(fc.property(v4, v4, (a, b) => {
      expect(key(a)).toBe(a);
      expect(key(`::ffff:${a}`)).toBe(a);
      expect(key(a) === key(b)).toBe(a === b);
    }), { numRuns: 300 });
  });

  it('an IPv4 prefix groups addresses of one network', () => {
    fc.assert(fc.property(v4, fc.integer({ min: 8, max: 32 }), (a, prefix) => {
      const key = compileLockoutKey({ ipv4Prefix: prefix });
      const n = a.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
      const flipped = (n ^ (1 << (31 - (prefix - 1)))) >>> 0;
      const low = prefix < 32 ? (n ^ 1) >>> 0 : n;
      const text = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.');
      expect(key(text(low))).toBe(key(a));
      expect(key(text(flipped))).not.toBe(key(a));
    }), { numRuns: 300 });
  });

  it('validates the prefixes once, naming the option', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -5, max: 15 }), fc.integer({ min: 129, max: 500 }), fc.double({ noInteger: true }), fc.string()), (bad) => {
      expect(() => compileLockoutKey({ ipv6Prefix: bad as number })).toThrow(VectorcacheOptionError);
      expect(() => compileLockoutKey({ ipv6Prefix: bad as number })).toThrow(/lockout\.ipv6Prefix/);
    }), { numRuns: 100 });
    expect(() => compileLockoutKey({ ipv4Prefix: 33 })).toThrow(/lockout\.ipv4Prefix/);
    expect(() => compileLockoutKey({ ipv4Prefix: 7 })).toThrow(/lockout\.ipv4Prefix/);
    expect(() => compileLockoutKey({}, 'perimeter.lockout')).not.toThrow();
  });
});
