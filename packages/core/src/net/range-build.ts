// Building a range set in small steps (a generator): the same code runs straight through or in event-loop slices.
import { IPV4, type IPV6 } from './ip.js';

/** Four big-endian 32-bit words of a 128-bit value; IPv4 sits in the last word. */
export type Words = [number, number, number, number];

/** One inclusive range of addresses of one family. */
export interface AddressRange {
  kind: typeof IPV4 | typeof IPV6;
  start: Words;
  end: Words;
  /** Prefix length in the family's own width (0-32 for IPv4). */
  prefix: number;
}

/**
 * Units of work (ranges copied, elements merged, buckets filled) between two yields. A yield costs a
 * few nanoseconds; 1,024 units take well under a millisecond, so a slice overshoots its budget by
 * less than that.
 */
export const STEP = 1024;

/** A build step: yields whenever it may pause, returns its result at the end. */
export type Steps<T> = Generator<void, T, void>;

/**
 * A first-level index over the leading 32-bit word: the bits that follow the prefix shared by the
 * whole family pick a bucket, and the bucket bounds the bisection to the few ranges that start in
 * it. Bisection alone touches ~17 cache lines scattered over megabytes at 100,000 ranges; the
 * index keeps the lookup cost flat at about 4 bytes of table per range.
 */
export interface FamilyIndex {
  /** Leading bits shared by the first start and the last end of the family (< 32). */
  common: number;
  /** 32 - bucket bits. */
  shift: number;
  /** first[b] = index of the first range whose start falls in bucket b or later; length 2^bits + 1. */
  first: Uint32Array;
}

/**
 * Disjoint ranges of one family sorted by start: range i is `pairs[i·2w, i·2w+w)` (start) and the
 * `w` words after it (end), with w = 1 for IPv4 and 4 for IPv6. Start and end side by side: the
 * lookup's last read (the end) is in the cache line its bisection just loaded.
 */
export interface FamilyTable {
  pairs: Uint32Array;
  count: number;
  index: FamilyIndex | null;
}

/** What a RangeSet is made of. */
export interface RangeTables {
  v4: FamilyTable;
  v6: FamilyTable;
}

// Lists at least this long get a bucket index in front of the bisection.
const INDEX_MIN_RANGES = 64;
const INDEX_MAX_BITS = 16;

/** The ranges of a list as given, both families in growable typed arrays (4 words per range). */
export class RangeList {
  v4: Uint32Array = new Uint32Array(2 * 64);
  v6: Uint32Array = new Uint32Array(8 * 64);
  n4 = 0;
  n6 = 0;

  static of(ranges: readonly AddressRange[]): RangeList {
    const list = new RangeList();
    for (const r of ranges) list.add(r.kind, r.start, r.end);
    return list;
  }

  /** Appends one range: IPv4 keeps word 3 of `start`/`end`, IPv6 all four. */
  add(kind: typeof IPV4 | typeof IPV6, start: ArrayLike<number>, end: ArrayLike<number>): void {
    if (kind === IPV4) {
      if (2 * this.n4 === this.v4.length) this.v4 = grow(this.v4);
      this.v4[2 * this.n4] = start[3]!;
      this.v4[2 * this.n4 + 1] = end[3]!;
      this.n4++;
    } else {
      if (8 * this.n6 === this.v6.length) this.v6 = grow(this.v6);
      const at = 8 * this.n6;
      for (let k = 0; k < 4; k++) {
        this.v6[at + k] = start[k]!;
        this.v6[at + 4 + k] = end[k]!;
      }
      this.n6++;
    }
  }
}

function grow(array: Uint32Array): Uint32Array {
  const next = new Uint32Array(array.length * 2);
  next.set(array);
  return next;
}

/** Both families of a list, ready for lookups. */
export function* buildTables(list: RangeList): Steps<RangeTables> {
  const v4 = yield* familySteps(list.v4, list.n4, 1);
  const v6 = yield* familySteps(list.v6, list.n6, 4);
  return { v4, v6 };
}

/**
 * Sorts one family by start, folds overlaps, indexes. `pairs` holds start then end of each range,
 * `width` words each (so 2 × width words per range).
 */
function* familySteps(pairs: Uint32Array, n: number, width: 1 | 4): Steps<FamilyTable> {
  const stride = 2 * width;
  const order = yield* sortSteps(n, width === 1 ? (a, b) => pairs[a * 2]! < pairs[b * 2]! : (a, b) => lessWords(pairs, a * 8, pairs, b * 8));
  const table = yield* foldSteps(pairs, order, width, stride);
  table.index = yield* indexSteps(table, width);
  return table;
}

/** a[i..i+4) < b[j..j+4) as unsigned 128-bit numbers. */
function lessWords(a: Uint32Array, i: number, b: Uint32Array, j: number): boolean {
  for (let k = 0; k < 4; k++) if (a[i + k] !== b[j + k]) return a[i + k]! < b[j + k]!;
  return false;
}

/** The value at a[i] is at most the one at b[j] (one word, or four as unsigned 128-bit numbers). */
function atMost(a: Uint32Array, i: number, b: Uint32Array, j: number, width: 1 | 4): boolean {
  return width === 1 ? a[i]! <= b[j]! : !lessWords(b, j, a, i);
}

/**
 * Stable bottom-up merge sort of the indices 0..n-1 by `less`: O(n log n) in steps of STEP
 * element moves, where Array.prototype.sort would run the whole sort in one go.
 */
function* sortSteps(n: number, less: (a: number, b: number) => boolean): Steps<Uint32Array> {
  let src = new Uint32Array(n);
  let dst = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  let moved = 0;
  for (let run = 1; run < n; run *= 2) {
    for (let lo = 0; lo < n; lo += 2 * run) {
      const mid = Math.min(lo + run, n);
      const hi = Math.min(lo + 2 * run, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // Taking from the left run on ties keeps the sort stable.
        dst[k] = j >= hi || (i < mid && !less(src[j]!, src[i]!)) ? src[i++]! : src[j++]!;
        if (++moved === STEP) {
          moved = 0;
          yield;
        }
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Visits ranges in start order and folds each one that starts inside the previous one into it. */
function* foldSteps(pairs: Uint32Array, order: Uint32Array, width: 1 | 4, stride: number): Steps<FamilyTable> {
  const out = new Uint32Array(order.length * stride);
  let count = 0;
  for (let p = 0; p < order.length; p++) {
    const s = order[p]! * stride;
    const lastEnd = (count - 1) * stride + width;
    if (count > 0 && atMost(pairs, s, out, lastEnd, width)) {
      if (!atMost(pairs, s + width, out, lastEnd, width)) out.set(pairs.subarray(s + width, s + stride), lastEnd);
    } else {
      out.set(pairs.subarray(s, s + stride), count * stride);
      count++;
    }
    if ((p & (STEP - 1)) === STEP - 1) yield;
  }
  return { pairs: out.slice(0, count * stride), count, index: null };
}

/** The bucket index of a family (see {@link FamilyIndex}); null for short lists. */
function* indexSteps(table: FamilyTable, width: 1 | 4): Steps<FamilyIndex | null> {
  const { pairs, count } = table;
  if (count < INDEX_MIN_RANGES) return null;
  const stride = 2 * width;
  const common = Math.clz32((pairs[0]! ^ pairs[(count - 1) * stride + width]!) >>> 0);
  if (common >= 32) return null;
  const bits = Math.min(INDEX_MAX_BITS, 32 - Math.clz32(count));
  const shift = 32 - bits;
  const size = 1 << bits;
  const first = new Uint32Array(size + 1);
  let p = 0;
  for (let b = 0; b <= size; b++) {
    while (p < count && (pairs[p * stride]! << common) >>> shift < b) p++;
    first[b] = p;
    if ((b & (STEP - 1)) === STEP - 1) yield;
  }
  return { common, shift, first };
}

/** Runs steps to the end without pausing. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Runs steps in slices of about `sliceMs`, yielding to the event loop (setImmediate) between
 * slices, so timers and I/O keep being served while a long list compiles. Rejects with the error
 * a step throws, or the signal's reason when aborted between slices.
 */
export async function runStepsSliced<T>(steps: Steps<T>, sliceMs: number, signal?: AbortSignal): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    const until = performance.now() + sliceMs;
    do {
      const next = steps.next();
      if (next.done) return next.value;
    } while (performance.now() < until);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
