// One partition of the in-process index: vectors in one contiguous Float32Array, exact dot products, HNSW once large.
import type { VectorMatch } from '../types.js';
import type { Ann, AnnFactory } from './ann.js';
import { createSimdScan, scanCut, scanErrorBound, type SimdScan } from './simd.js';

/** Who owns a slot, for erase and fair eviction. */
export interface SlotOwner {
  tenantTag: string;
  subjectTag: string | undefined;
}

export interface SlotInfo extends SlotOwner {
  key: string;
  expiresAt: number;
  /** Insertion order across the whole index: the lower, the older. */
  seq: number;
}

const INITIAL_CAPACITY = 8;
/**
 * From this buffer size on, a partition keeps int16 copies of its vectors in WebAssembly memory for
 * the SIMD pre-filter: its smallest memory is one 64 KiB page, which many small partitions must not each hold.
 */
const SIMD_FROM_BYTES = 32_768;

/** A partition's storage; removal swaps the last slot in, so the buffer stays dense. */
export class Partition {
  readonly name: string;
  readonly #d: number;
  #vectors: Float32Array;
  #size = 0;
  readonly #slots: SlotInfo[] = [];
  /** Vector ids (unique in the partition), as the ANN knows them. */
  #ids: number[] = [];
  readonly #slotOfKey = new Map<string, number>();
  #ann: Ann | undefined;
  #slotOfId: Map<number, number> | undefined;
  /** Removals the ANN still carries as tombstones; a rebuild clears them. */
  #annRemoved = 0;
  #nextId = 0;
  readonly #useSimd: boolean;
  #simd: SimdScan | undefined;
  readonly #bound: number;

  /** `simd: false` keeps exact search in plain JS (the reference the SIMD path is tested against). */
  constructor(name: string, dimensions: number, options: { simd?: boolean } = {}) {
    this.name = name;
    this.#d = dimensions;
    this.#vectors = new Float32Array(INITIAL_CAPACITY * dimensions);
    this.#useSimd = options.simd !== false;
    this.#bound = scanErrorBound(dimensions);
  }

  get size(): number {
    return this.#size;
  }

  get approximate(): boolean {
    return this.#ann !== undefined;
  }

  /** Whether exact search runs the SIMD pre-filter (int16 copies of the vectors in WebAssembly memory). */
  get simd(): boolean {
    return this.#simd !== undefined;
  }

  /** Bytes held by the dense buffer (capacity, not size). */
  get bufferBytes(): number {
    return this.#vectors.byteLength;
  }

  slotOf(key: string): SlotInfo | undefined {
    const slot = this.#slotOfKey.get(key);
    return slot === undefined ? undefined : this.#slots[slot];
  }

  *slots(): IterableIterator<SlotInfo> {
    yield* this.#slots;
  }

  /** Adds or replaces `info.key`; returns the slot info replaced, if any. */
  put(info: SlotInfo, vector: Float32Array): SlotInfo | undefined {
    const old = this.remove(info.key);
    if (this.#size * this.#d === this.#vectors.length) this.#grow((this.#vectors.length / this.#d) * 2);
    const slot = this.#size++;
    this.#vectors.set(vector, slot * this.#d);
    this.#simd?.write(slot, vector);
    this.#slots[slot] = info;
    const id = this.#nextId++;
    this.#ids[slot] = id;
    this.#slotOfKey.set(info.key, slot);
    if (this.#ann) {
      this.#ann.add([id], vector);
      this.#slotOfId!.set(id, slot);
    }
    return old;
  }

  remove(key: string): SlotInfo | undefined {
    const slot = this.#slotOfKey.get(key);
    if (slot === undefined) return undefined;
    const info = this.#slots[slot]!;
    this.#slotOfKey.delete(key);
    if (this.#ann) {
      this.#ann.remove(this.#ids[slot]!);
      this.#slotOfId!.delete(this.#ids[slot]!);
      this.#annRemoved++;
    }
    const last = --this.#size;
    if (slot !== last) {
      this.#vectors.copyWithin(slot * this.#d, last * this.#d, (last + 1) * this.#d);
      this.#simd?.move(last, slot);
      const moved = this.#slots[last]!;
      this.#slots[slot] = moved;
      this.#ids[slot] = this.#ids[last]!;
      this.#slotOfKey.set(moved.key, slot);
      this.#slotOfId?.set(this.#ids[slot]!, slot);
    }
    this.#slots.length = last;
    this.#ids.length = last;
    return info;
  }

  #grow(capacity: number): void {
    const grown = new Float32Array(capacity * this.#d);
    grown.set(this.#vectors.subarray(0, this.#size * this.#d));
    this.#vectors = grown;
    try {
      if (!this.#simd && !this.#ann && this.#useSimd && capacity * this.#d * 4 >= SIMD_FROM_BYTES) {
        this.#simd = createSimdScan(this.#d, capacity);
        for (let slot = 0; slot < this.#size; slot++) this.#simd?.write(slot, grown.subarray(slot * this.#d, (slot + 1) * this.#d));
      } else {
        this.#simd?.reserve(capacity);
      }
    } catch {
      // A WebAssembly memory that cannot grow must not leave copies short of the vectors: the scan stays in JS.
      this.#simd = undefined;
    }
  }

  /** Builds (or rebuilds, when tombstones pile up) the ANN over every live vector. */
  index(factory: AnnFactory): void {
    const ann = factory(this.#d);
    this.#slotOfId = new Map();
    for (let slot = 0; slot < this.#size; slot++) this.#slotOfId.set(this.#ids[slot]!, slot);
    if (this.#size > 0) ann.add(this.#ids.slice(0, this.#size), this.#vectors.subarray(0, this.#size * this.#d));
    this.#ann = ann;
    this.#annRemoved = 0;
    // An approximate partition never scans exactly again: its int16 copies would only take room.
    this.#simd = undefined;
  }

  /** True once removals outnumber live vectors: HNSW search degrades through tombstones. */
  get needsRebuild(): boolean {
    return this.#ann !== undefined && this.#annRemoved > this.#size;
  }

  search(query: Float32Array, k: number, minSimilarity: number, now: number): VectorMatch[] {
    return this.#ann ? this.#searchAnn(query, k, minSimilarity, now) : this.#searchExact(query, k, minSimilarity, now);
  }

  #searchExact(query: Float32Array, k: number, minSimilarity: number, now: number): VectorMatch[] {
    const d = this.#d;
    const data = this.#vectors;
    const d4 = d - (d % 4);
    // The SIMD pass only rules slots out; every slot that could be among the k best is scored below
    // exactly as without it, so the answer is the same to the bit.
    const sims = this.#simd?.scan(query, this.#size);
    const cut = sims ? scanCut(sims, this.#size, k, minSimilarity, this.#bound, (slot) => this.#slots[slot]!.expiresAt <= now) : -Infinity;
    // Best-first top k, kept by insertion: k is small (a handful of candidates for the guards).
    const bestSlots: number[] = [];
    const bestSims: number[] = [];
    let floor = minSimilarity;
    for (let slot = 0, o = 0; slot < this.#size; slot++, o += d) {
      if (sims && sims[slot]! < cut) continue;
      // Four accumulators let the CPU overlap the multiply-adds.
      let a = 0, b = 0, c = 0, e = 0;
      let i = 0;
      for (; i < d4; i += 4) {
        a += query[i]! * data[o + i]!;
        b += query[i + 1]! * data[o + i + 1]!;
        c += query[i + 2]! * data[o + i + 2]!;
        e += query[i + 3]! * data[o + i + 3]!;
      }
      for (; i < d; i++) a += query[i]! * data[o + i]!;
      const sim = a + b + c + e;
      if (sim < floor || this.#slots[slot]!.expiresAt <= now) continue;
      let at = bestSims.length;
      while (at > 0 && bestSims[at - 1]! < sim) at--;
      bestSims.splice(at, 0, sim);
      bestSlots.splice(at, 0, slot);
      if (bestSims.length > k) {
        bestSims.pop();
        bestSlots.pop();
      }
      if (bestSims.length === k) floor = Math.max(floor, bestSims[k - 1]!);
    }
    return bestSlots.map((slot, i) => ({ key: this.#slots[slot]!.key, similarity: Math.min(1, bestSims[i]!) }));
  }

  #searchAnn(query: Float32Array, k: number, minSimilarity: number, now: number): VectorMatch[] {
    // Ask for more than k: expired vectors still sit in the graph until the next sweep, and the
    // graph's (quantised) order is only a shortlist.
    const found = this.#ann!.search(query, Math.min(this.#size, k + 16));
    const out: VectorMatch[] = [];
    for (const id of found.ids) {
      const slot = this.#slotOfId!.get(id);
      if (slot === undefined) continue;
      const info = this.#slots[slot]!;
      if (info.expiresAt <= now) continue;
      // Re-scored from the dense float32 buffer: the threshold is judged on the exact cosine.
      const similarity = this.#dot(query, slot);
      if (similarity >= minSimilarity) out.push({ key: info.key, similarity: Math.min(1, similarity) });
    }
    return out.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  #dot(query: Float32Array, slot: number): number {
    const data = this.#vectors;
    const o = slot * this.#d;
    let sum = 0;
    for (let i = 0; i < this.#d; i++) sum += query[i]! * data[o + i]!;
    return sum;
  }
}
