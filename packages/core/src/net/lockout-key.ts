// Lockout bucket of a client address: IPv6 by network prefix (/64 by default), IPv4 by address.
import { optionError } from '../errors.js';
import { IPV4, IPV6, formatV4, formatV6, parseSpan, parsedWords } from './ip.js';

export interface LockoutKeyOptions {
  /**
   * IPv6 prefix length whose addresses share one failure budget. Defaults to 64: one subscriber
   * or LAN usually holds a whole /64 and can pick any address in it, so a per-address budget
   * would give it 2^64 budgets.
   */
  ipv6Prefix?: number;
  /** IPv4 prefix length sharing one budget. Defaults to 32 (per address: NAT puts many users behind one). */
  ipv4Prefix?: number;
}

/** Shortest prefixes accepted: anything wider lets one client lock out a whole provider. */
const MIN_V6 = 16;
const MIN_V4 = 8;

function prefixOption(value: unknown, fallback: number, min: number, max: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(option, `must be an integer prefix length from ${min} to ${max} (got ${String(value)}); the default is ${fallback}.`);
  }
  return value;
}

/** The 32-bit mask of word `k` (0..3) for a prefix of `bits` bits. */
function wordMask(bits: number, k: number): number {
  const inWord = Math.min(32, Math.max(0, bits - 32 * k));
  return inWord === 0 ? 0 : inWord === 32 ? 0xffffffff : (0xffffffff << (32 - inWord)) >>> 0;
}

/**
 * Validates the prefixes once (a TypeError naming `<optionName>.ipv6Prefix` / `.ipv4Prefix`) and
 * returns the bucket function: canonical network text, e.g. `2001:db8:1:2::/64` or `192.0.2.7`
 * (the plain address when the prefix is the full length, so per-address keys stay as they were).
 * IPv4-mapped IPv6 addresses count as IPv4. Text that is no address is returned unchanged.
 */
export function compileLockoutKey(options: LockoutKeyOptions = {}, optionName = 'lockout'): (address: string) => string {
  if (typeof options !== 'object' || options === null) throw optionError(optionName, 'must be an object.');
  const v6 = prefixOption(options.ipv6Prefix, 64, MIN_V6, 128, `${optionName}.ipv6Prefix`);
  const v4 = prefixOption(options.ipv4Prefix, 32, MIN_V4, 32, `${optionName}.ipv4Prefix`);
  const masks6 = Uint32Array.from([0, 1, 2, 3], (k) => wordMask(v6, k));
  const mask4 = wordMask(v4, 0);
  const words = new Uint32Array(4);
  return (address: string): string => {
    const kind = parseSpan(address, 0, address.length);
    if (kind === IPV4) {
      const network = formatV4((parsedWords[0]! & mask4) >>> 0);
      return v4 === 32 ? network : `${network}/${v4}`;
    }
    if (kind !== IPV6) return address;
    for (let k = 0; k < 4; k++) words[k] = (parsedWords[k]! & masks6[k]!) >>> 0;
    const network = formatV6(words);
    return v6 === 128 ? network : `${network}/${v6}`;
  };
}
