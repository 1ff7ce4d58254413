// CIDR parsing with startup-time misconfiguration checks, and a sorted-range set with O(log n) lookup.
import { optionError } from '../errors.js';
import { IPV4, IPV6, formatV4, formatV6, parseSpan, parsedIsMapped, parsedWords } from './ip.js';
import type { AddressKind } from './ip.js';

/** One inclusive range of addresses of one family. */
export interface AddressRange {
  kind: typeof IPV4 | typeof IPV6;
  start: bigint;
  end: bigint;
  prefix: number;
}

/** How the caller wants errors phrased. */
export interface CidrContext {
  option: string;
  /** Appended to the "matches every address" error, e.g. how to express the intent properly. */
  everyAddressHint: string;
}

const V4_BITS = 32;
const V6_BITS = 128;
const MAPPED_BITS = 96;

function wordsToBigInt(): bigint {
  return (
    (BigInt(parsedWords[0]!) << 96n) |
    (BigInt(parsedWords[1]!) << 64n) |
    (BigInt(parsedWords[2]!) << 32n) |
    BigInt(parsedWords[3]!)
  );
}

function bigIntToWords(value: bigint, out: Uint32Array, offset: number): void {
  out[offset] = Number((value >> 96n) & 0xffffffffn);
  out[offset + 1] = Number((value >> 64n) & 0xffffffffn);
  out[offset + 2] = Number((value >> 32n) & 0xffffffffn);
  out[offset + 3] = Number(value & 0xffffffffn);
}

function formatBig(kind: AddressKind, value: bigint): string {
  if (kind === IPV4) return formatV4(Number(value));
  const words = new Uint32Array(4);
  bigIntToWords(value, words, 0);
  return formatV6(words);
}

/** Decimal prefix without sign, leading zeros or spaces. */
function parsePrefix(text: string): number {
  if (text.length === 0 || text.length > 3) return -1;
  if (text.length > 1 && text.charCodeAt(0) === 48) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** Prefix length of a contiguous dotted-quad netmask (255.255.0.0 → 16), or -1. */
function netmaskPrefix(text: string): number {
  const kind = parseSpan(text, 0, text.length, false);
  if (kind !== IPV4) return -1;
  const mask = parsedWords[0]!;
  const inverted = ~mask >>> 0;
  // A contiguous mask inverted is 2^k - 1, so adding one leaves a single bit set (or zero).
  if ((inverted & (inverted + 1)) !== 0) return -1;
  return V4_BITS - Math.round(Math.log2(inverted + 1));
}

/**
 * Parses one configured entry (`10.0.0.0/8`, `2001:db8::/32`, a bare address, or an IPv4 netmask
 * form `10.0.0.0/255.0.0.0`). IPv4-mapped IPv6 ranges of /96 or longer become IPv4 ranges, since
 * addresses are normalised the same way. Throws an option error naming the entry and its index.
 */
export function parseCidr(entry: unknown, index: number, context: CidrContext): AddressRange {
  const where = `entry ${index}`;
  if (typeof entry !== 'string') {
    throw optionError(context.option, `${where} must be a string CIDR such as "10.0.0.0/8", got ${typeof entry}`);
  }
  const text = entry.trim();
  const shown = JSON.stringify(entry);
  if (text.length === 0) throw optionError(context.option, `${where} is empty`);
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  let kind = parseSpan(text, 0, addressEnd, false);
  if (kind !== IPV4 && kind !== IPV6) {
    throw optionError(
      context.option,
      `${where} (${shown}) is not a canonical IPv4 or IPv6 address or CIDR (IPv4 must be a dotted quad without leading zeros; no zone ids, brackets or ports)`,
    );
  }
  // Read the address now: parsing a netmask below reuses the shared parse buffer.
  let value = kind === IPV4 ? BigInt(parsedWords[0]!) : wordsToBigInt();
  const mapped = kind === IPV6 && parsedIsMapped();
  const bits = kind === IPV4 ? V4_BITS : V6_BITS;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    prefix = kind === IPV4 && prefixText.includes('.') ? netmaskPrefix(prefixText) : parsePrefix(prefixText);
    if (prefix < 0 || prefix > bits) {
      throw optionError(context.option, `${where} (${shown}) has an invalid prefix length: use /0 to /${bits}`);
    }
  }
  if (mapped && prefix >= MAPPED_BITS) {
    kind = IPV4;
    prefix -= MAPPED_BITS;
    value &= 0xffffffffn;
  }
  const width = BigInt(kind === IPV4 ? V4_BITS : V6_BITS);
  const hostBits = width - BigInt(prefix);
  const hostMask = (1n << hostBits) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = formatBig(kind, value & ~hostMask);
    throw optionError(
      context.option,
      `${where} (${shown}) has host bits set: did you mean ${network}/${prefix}?`,
    );
  }
  if (prefix === 0) {
    const family = kind === IPV4 ? 'IPv4' : 'IPv6';
    throw optionError(context.option, `${where} (${shown}) matches every ${family} address; ${context.everyAddressHint}`);
  }
  return { kind, start: value, end: value | hostMask, prefix };
}

function merge(ranges: AddressRange[]): AddressRange[] {
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddressRange[] = [];
  for (const range of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && range.start <= last.end + 1n) {
      if (range.end > last.end) last.end = range.end;
    } else {
      out.push({ ...range });
    }
  }
  return out;
}

/**
 * Disjoint sorted ranges per family, searched by bisection over typed arrays: the lookup cost
 * grows with log2 of the list (17 steps at 100,000 ranges) and allocates nothing.
 */
export class RangeSet {
  private readonly v4Start: Uint32Array;
  private readonly v4End: Uint32Array;
  private readonly v6Start: Uint32Array;
  private readonly v6End: Uint32Array;
  private readonly v6Count: number;

  constructor(ranges: readonly AddressRange[]) {
    const v4 = merge(ranges.filter((r) => r.kind === IPV4));
    const v6 = merge(ranges.filter((r) => r.kind === IPV6));
    this.v4Start = Uint32Array.from(v4, (r) => Number(r.start));
    this.v4End = Uint32Array.from(v4, (r) => Number(r.end));
    this.v6Count = v6.length;
    this.v6Start = new Uint32Array(v6.length * 4);
    this.v6End = new Uint32Array(v6.length * 4);
    v6.forEach((r, i) => {
      bigIntToWords(r.start, this.v6Start, i * 4);
      bigIntToWords(r.end, this.v6End, i * 4);
    });
  }

  /** Number of disjoint ranges after merging overlaps and neighbours. */
  get rangeCount(): number {
    return this.v4Start.length + this.v6Count;
  }

  /** Looks up the address the last `parseSpan` left in `parsedWords`. */
  hasParsed(kind: AddressKind): boolean {
    if (kind === IPV4) return this.has4(parsedWords[0]!);
    if (kind === IPV6) return this.has6(parsedWords);
    return false;
  }

  has4(value: number): boolean {
    const starts = this.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= value) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && value <= this.v4End[found]!;
  }

  has6(words: Uint32Array): boolean {
    const starts = this.v6Start;
    let lo = 0;
    let hi = this.v6Count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(starts, mid * 4, words) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compare(this.v6End, found * 4, words) >= 0;
  }
}

/** Sign of table[offset..offset+4) minus words[0..4), as unsigned 128-bit numbers. */
function compare(table: Uint32Array, offset: number, words: Uint32Array): number {
  for (let k = 0; k < 4; k++) {
    const a = table[offset + k]!;
    const b = words[k]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}
