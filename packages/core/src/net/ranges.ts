// CIDR parsing with startup-time misconfiguration checks, and a sorted-range set with O(log n) lookup.
import { optionError } from '../errors.js';
import { IPV4, IPV6, formatV4, formatV6, parseSpan, parsedIsMapped, parsedWords } from './ip.js';
import type { AddressKind } from './ip.js';
import { RangeList, buildTables, runSteps, type AddressRange, type FamilyIndex, type RangeTables, type Words } from './range-build.js';

export type { AddressRange, Words } from './range-build.js';

/** How the caller wants errors phrased. */
export interface CidrContext {
  option: string;
  /** Appended to the "matches every address" error, e.g. how to express the intent properly. */
  everyAddressHint: string;
}

const V4_BITS = 32;
const V6_BITS = 128;
const MAPPED_BITS = 96;

/** Network mask of word k (0-3) for a prefix counted over 128 bits. */
function wordMask(prefix128: number, k: number): number {
  const bits = Math.min(32, Math.max(0, prefix128 - 32 * k));
  // Shift counts are taken mod 32 in JavaScript, so the full word is its own case.
  if (bits === 32) return 0xffffffff;
  return bits === 0 ? 0 : ~(0xffffffff >>> bits) >>> 0;
}

function formatWords(kind: AddressKind, words: ArrayLike<number>): string {
  return kind === IPV4 ? formatV4(words[3]!) : formatV6(words);
}

/** Decimal prefix in text[start..] without sign, leading zeros or spaces. */
function parsePrefix(text: string, start: number): number {
  const length = text.length - start;
  if (length === 0 || length > 3) return -1;
  if (length > 1 && text.charCodeAt(start) === 48) return -1;
  let value = 0;
  for (let i = start; i < text.length; i++) {
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

/** Where {@link parseCidrInto} leaves its result; the next call overwrites it. */
export const parsedRange = { kind: IPV4 as typeof IPV4 | typeof IPV6, prefix: 0, start: new Uint32Array(4), end: new Uint32Array(4) };
const valueWords = new Uint32Array(4);

/**
 * Parses one configured entry (`10.0.0.0/8`, `2001:db8::/32`, a bare address, or an IPv4 netmask
 * form `10.0.0.0/255.0.0.0`). IPv4-mapped IPv6 ranges of /96 or longer become IPv4 ranges, since
 * addresses are normalised the same way. Throws an option error naming the entry and its index.
 */
export function parseCidr(entry: unknown, index: number, context: CidrContext): AddressRange {
  parseCidrInto(entry, index, context);
  const { kind, prefix, start, end } = parsedRange;
  return { kind, prefix, start: Array.from(start) as Words, end: Array.from(end) as Words };
}

/**
 * {@link parseCidr} without allocating: the result goes to {@link parsedRange}, and messages are
 * only formatted on the error paths. Compiling 100,000 entries then leaves no garbage per entry,
 * so the collector has no long pauses to make meanwhile.
 */
export function parseCidrInto(entry: unknown, index: number, context: CidrContext): void {
  if (typeof entry !== 'string') {
    throw optionError(context.option, `entry ${index} must be a string CIDR such as "10.0.0.0/8", got ${typeof entry}`);
  }
  const text = entry.trim();
  if (text.length === 0) throw optionError(context.option, `entry ${index} is empty`);
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  let kind = parseSpan(text, 0, addressEnd, false);
  if (kind !== IPV4 && kind !== IPV6) {
    throw optionError(
      context.option,
      `entry ${index} (${JSON.stringify(entry)}) is not a canonical IPv4 or IPv6 address or CIDR (IPv4 must be a dotted quad without leading zeros; no zone ids, brackets or ports)`,
    );
  }
  // Read the address now: parsing a netmask below reuses the shared parse buffer.
  const value = valueWords;
  if (kind === IPV4) {
    value.fill(0, 0, 3);
    value[3] = parsedWords[0]!;
  } else value.set(parsedWords);
  const mapped = kind === IPV6 && parsedIsMapped();
  const bits = kind === IPV4 ? V4_BITS : V6_BITS;
  let prefix = bits;
  if (slash >= 0) {
    prefix = kind === IPV4 && text.indexOf('.', slash + 1) >= 0 ? netmaskPrefix(text.slice(slash + 1)) : parsePrefix(text, slash + 1);
    if (prefix < 0 || prefix > bits) {
      throw optionError(context.option, `entry ${index} (${JSON.stringify(entry)}) has an invalid prefix length: use /0 to /${bits}`);
    }
  }
  if (mapped && prefix >= MAPPED_BITS) {
    kind = IPV4;
    prefix -= MAPPED_BITS;
    value[0] = value[1] = value[2] = 0;
  }
  const prefix128 = kind === IPV4 ? prefix + MAPPED_BITS : prefix;
  const { start, end } = parsedRange;
  let hostBitsSet = false;
  for (let k = 0; k < 4; k++) {
    const mask = wordMask(prefix128, k);
    start[k] = value[k]! & mask;
    end[k] = value[k]! | ~mask;
    if (start[k] !== value[k]) hostBitsSet = true;
  }
  if (kind === IPV4) end[0] = end[1] = end[2] = 0;
  if (hostBitsSet) {
    throw optionError(
      context.option,
      `entry ${index} (${JSON.stringify(entry)}) has host bits set: did you mean ${formatWords(kind, start)}/${prefix}?`,
    );
  }
  if (prefix === 0) {
    const family = kind === IPV4 ? 'IPv4' : 'IPv6';
    throw optionError(context.option, `entry ${index} (${JSON.stringify(entry)}) matches every ${family} address; ${context.everyAddressHint}`);
  }
  parsedRange.kind = kind;
  parsedRange.prefix = prefix;
}

/**
 * Disjoint sorted ranges per family, searched by bisection over typed arrays (narrowed by a
 * bucket index for long lists): the lookup cost stays flat as the list grows and allocates nothing.
 */
export class RangeSet {
  private readonly v4: Uint32Array;
  private readonly v4Count: number;
  private readonly v4Index: FamilyIndex | null;
  private readonly v6: Uint32Array;
  private readonly v6Count: number;
  private readonly v6Index: FamilyIndex | null;

  /** From parsed ranges (built straight away), or from tables built in slices by {@link buildTables}. */
  constructor(input: readonly AddressRange[] | RangeTables) {
    const { v4, v6 } = Array.isArray(input) ? runSteps(buildTables(RangeList.of(input))) : (input as RangeTables);
    this.v4 = v4.pairs;
    this.v4Count = v4.count;
    this.v4Index = v4.index;
    this.v6 = v6.pairs;
    this.v6Count = v6.count;
    this.v6Index = v6.index;
  }

  /** Number of disjoint ranges after merging overlaps and neighbours. */
  get rangeCount(): number {
    return this.v4Count + this.v6Count;
  }

  /** Looks up the address the last `parseSpan` left in `parsedWords`. */
  hasParsed(kind: AddressKind): boolean {
    if (kind === IPV4) return this.has4(parsedWords[0]!);
    if (kind === IPV6) return this.has6(parsedWords);
    return false;
  }

  has4(value: number): boolean {
    const pairs = this.v4;
    const n = this.v4Count;
    if (n === 0 || value < pairs[0]!) return false;
    let lo = 0;
    let hi = n - 1;
    const index = this.v4Index;
    if (index !== null) {
      if (value > pairs[2 * n - 1]!) return false;
      const bucket = (value << index.common) >>> index.shift;
      const firstInBucket = index.first[bucket]!;
      lo = firstInBucket === 0 ? 0 : firstInBucket - 1;
      hi = index.first[bucket + 1]! - 1;
    }
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (pairs[2 * mid]! <= value) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && value <= pairs[2 * found + 1]!;
  }

  has6(words: Uint32Array): boolean {
    const pairs = this.v6;
    const n = this.v6Count;
    if (n === 0 || compare(pairs, 0, words) > 0) return false;
    let lo = 0;
    let hi = n - 1;
    const index = this.v6Index;
    if (index !== null) {
      if (compare(pairs, (n - 1) * 8 + 4, words) < 0) return false;
      const bucket = (words[0]! << index.common) >>> index.shift;
      const firstInBucket = index.first[bucket]!;
      lo = firstInBucket === 0 ? 0 : firstInBucket - 1;
      hi = index.first[bucket + 1]! - 1;
    }
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(pairs, mid * 8, words) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compare(pairs, found * 8 + 4, words) >= 0;
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
