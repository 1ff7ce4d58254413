// Tests for strict per-key CIDR validation.
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
