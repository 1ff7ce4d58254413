// A WebAssembly SIMD pre-filter for exact search: int16 fixed-point dot products of a whole partition, bounded error, re-scored exactly by the caller.
import { compileWasm, GET, HEADER, I32, leb, name, section, SET, simd, TEE, wasm } from '../../wasm.js';

/** Scores every stored vector against the query from int16 copies, into `sims`; the caller re-scores survivors exactly. */
export interface SimdScan {
  /** Makes room for `capacity` vectors; the stored ones stay in place (memory only grows at its end). */
  reserve(capacity: number): void;
  /** Stores the int16 copy of `vector` in `slot`. */
  write(slot: number, vector: Float32Array): void;
  /** Copies slot `from` over slot `to` (a removal swaps the last slot in). */
  move(from: number, to: number): void;
  /** Approximate dot products of the query with the first `size` vectors, within `scanErrorBound`. */
  scan(query: Float32Array, size: number): Float32Array;
}

/**
 * Fixed-point scale of the int16 copies: 2^14 keeps every component of a unit vector (|x| ≤ 1.0005)
 * inside int16, and every dot product's integer sum (≤ ‖q‖‖v‖·2^28) inside int32, so the kernel's
 * sums are exact integers: only rounding to the grid and one conversion to float32 err.
 */
const SCALE = 2 ** 14;
/** 2^-28 = 1 / SCALE², as float32 bytes (little-endian): multiplying by a power of two is exact. */
const UNSCALE = [0x00, 0x00, 0x80, 0x31];
/** int16 lanes per 16-byte chunk. */
const LANES = 8;

const lane = (acc: number, i: number): number[] => [GET, acc, ...simd(27), i];

/**
 * scan(query, vectors, count, bytesPerVector, out, chunks, chunksEnd): out[s] = 2^-28 · Σ
 * i32x4.dot_i16x8_s(query, vector[s]) over the 16-byte chunks listed (byte offsets, i32) between
 * `chunks` and `chunksEnd`: the caller lists those where the query is not zero, so a sparse query
 * (the offline embedder's hashed lexical part) skips most of the work, and the sums are the same (a
 * skipped product is 0). dot_i16x8 does eight multiply-adds per instruction where f32x4 mul + add
 * do four in two, and a chunk is half the bytes. Four vectors per pass (one query load, four
 * independent chains), so a count that is not a multiple of four also scores up to three vectors
 * after the last (whatever the memory holds there; never read). Params 0–6 as named; locals: 7 the
 * chunk pointer, 8, 9, 13 and 14 the sums, 10, 15 and 16 the second to fourth vectors, 11 the query
 * lanes, 12 the chunk's byte offset. Hand-encoded so the package ships no binary and needs no toolchain.
 */
const ZERO = [...simd(12), ...new Array<number>(16).fill(0)];
const load = (base: number): number[] => [GET, base, GET, 12, 0x6a, ...simd(0), 4, 0];
const madd = (acc: number, base: number): number[] => [GET, acc, GET, 11, ...load(base), ...simd(186), ...simd(174), SET, acc];
const store = (acc: number, offset: number): number[] =>
  [GET, 4, ...lane(acc, 0), ...lane(acc, 1), 0x6a, ...lane(acc, 2), 0x6a, ...lane(acc, 3), 0x6a, 0xb2, 0x43, ...UNSCALE, 0x94, 0x38, 2, offset];
const BODY = [
  0x02, 0x40, GET, 2, 0x45, 0x0d, 0,
  0x03, 0x40,
  ...ZERO, SET, 8, ...ZERO, SET, 9, ...ZERO, SET, 13, ...ZERO, SET, 14,
  GET, 1, GET, 3, 0x6a, SET, 10,
  GET, 10, GET, 3, 0x6a, SET, 15,
  GET, 15, GET, 3, 0x6a, SET, 16,
  GET, 5, SET, 7,
  0x03, 0x40,
  GET, 7, 0x28, 2, 0, SET, 12,
  ...load(0), SET, 11, ...madd(8, 1), ...madd(9, 10), ...madd(13, 15), ...madd(14, 16),
  GET, 7, 0x41, 4, 0x6a, TEE, 7, GET, 6, 0x49, 0x0d, 0,
  0x0b,
  ...store(8, 0), ...store(9, 4), ...store(13, 8), ...store(14, 12),
  GET, 4, 0x41, 16, 0x6a, SET, 4,
  GET, 16, GET, 3, 0x6a, SET, 1,
  GET, 2, 0x41, 4, 0x6b, TEE, 2, 0x41, 0, 0x4a, 0x0d, 0,
  0x0b, 0x0b, 0x0b,
];
const FUNCTION = [7, 1, 0x7f, 2, 0x7b, 1, 0x7f, 1, 0x7b, 1, 0x7f, 2, 0x7b, 2, 0x7f, ...BODY];
const BYTES = new Uint8Array([
  ...HEADER,
  ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]),
  ...section(2, [1, ...name('e'), ...name('m'), 2, 0, 1]),
  ...section(3, [1, 0]),
  ...section(7, [1, ...name('s'), 0, 0]),
  ...section(10, [1, ...leb(FUNCTION.length), ...FUNCTION]),
]);

type ScanFn = (query: number, vectors: number, count: number, bytesPerVector: number, out: number, chunks: number, chunksEnd: number) => void;

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly or its SIMD extension is missing (exact search then stays in JS). */
function module(): object | null {
  if (compiled === undefined) compiled = compileWasm(BYTES);
  return compiled;
}

export function simdAvailable(): boolean {
  return module() !== null;
}

const PAGE = 65_536;

/** Rounds `vector` onto the int16 grid into `row` (its padding lanes stay zero); the index only takes unit vectors (`checkVector`), so no component leaves int16. */
function quantize(vector: Float32Array, row: Int16Array, at: number): void {
  for (let i = 0; i < vector.length; i++) row[at + i] = Math.round(vector[i]! * SCALE);
}

/** A scan over vectors of `dimensions` (rows padded to whole 8-lane chunks), or undefined without SIMD. */
export function createSimdScan(dimensions: number, capacity: number): SimdScan | undefined {
  const mod = module();
  if (!wasm || !mod) return undefined;
  const memory = new wasm.Memory({ initial: 1 });
  const run = new wasm.Instance(mod, { e: { m: memory } }).exports.s as ScanFn;
  const stride = Math.ceil(dimensions / LANES) * LANES;
  const chunkCount = stride / LANES;
  let rows = new Int16Array(0);
  let query = new Int16Array(0);
  let chunks = new Int32Array(0);
  let sims = new Float32Array(0);
  // Layout: the int16 rows from 0, then the query, its chunk list, one score per vector and three
  // spare for a count that is not a multiple of four, then three rows of padding: the rows a full
  // buffer's last pass reads past its end stay inside the memory.
  const reserve = (cap: number): void => {
    const rowBytes = stride * 2;
    const bytes = cap * rowBytes + rowBytes + chunkCount * 4 + (cap + 3) * 4 + 3 * rowBytes;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    // grow() detaches every old view, so all are made again on the current buffer.
    rows = new Int16Array(memory.buffer, 0, cap * stride);
    query = new Int16Array(memory.buffer, cap * rowBytes, stride);
    chunks = new Int32Array(memory.buffer, (cap + 1) * rowBytes, chunkCount);
    sims = new Float32Array(memory.buffer, (cap + 1) * rowBytes + chunkCount * 4, cap + 3);
  };
  reserve(capacity);
  return {
    reserve,
    write(slot, vector) {
      quantize(vector, rows, slot * stride);
    },
    move(from, to) {
      rows.copyWithin(to * stride, from * stride, (from + 1) * stride);
    },
    scan(q, size) {
      quantize(q, query, 0);
      let listed = 0;
      for (let c = 0, i = 0; c < chunkCount; c++, i += LANES) {
        let any = 0;
        for (let j = i; j < i + LANES; j++) any |= query[j]!;
        if (any !== 0) chunks[listed++] = i * 2;
      }
      // The kernel runs its chunk loop at least once: an all-zero query still reads a real chunk.
      if (listed === 0) chunks[listed++] = 0;
      run(query.byteOffset, 0, size, stride * 2, sims.byteOffset, chunks.byteOffset, chunks.byteOffset + listed * 4);
      return sims;
    },
  };
}

/**
 * How far a scan score may be from the float64 dot product the exact loop computes. Rounding both
 * vectors to the grid moves Σ q_i v_i by at most ½(‖q‖₁ + ‖v‖₁)/S + d/(4S²), with ‖·‖₁ ≤ √d·‖·‖₂ and
 * ‖·‖₂ ≤ 1.0005 (the index takes squared norms within 1 ± 10⁻³); the int32 sum is exact; its
 * conversion to float32 errs by at most 2^-24 of |sum| ≤ 1.002. The margin (1.01× and 10⁻⁹) covers
 * the float64 loop's own rounding, ~d·2^-53.
 */
export function scanErrorBound(dimensions: number): number {
  const grid = (1.0005 * Math.sqrt(dimensions)) / SCALE + dimensions / (4 * SCALE * SCALE);
  return (grid + 1.002 * 2 ** -24) * 1.01 + 1e-9;
}

/**
 * The score below which no slot can be among the k best the exact scan would return: the k-th
 * best float32 score of a live slot at or above the threshold, less twice the error bound (its
 * exact score is at least that less one bound, any better slot's float32 score at most one above).
 */
export function scanCut(sims: Float32Array, size: number, k: number, minSimilarity: number, bound: number, expired: (slot: number) => boolean): number {
  const floor = minSimilarity - bound;
  const best: number[] = [];
  let kth = -Infinity;
  for (let slot = 0; slot < size; slot++) {
    const s = sims[slot]!;
    if (s < floor || s <= kth || expired(slot)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]! < s) at--;
    best.splice(at, 0, s);
    if (best.length > k) best.pop();
    if (best.length === k) kth = best[k - 1]!;
  }
  return Math.max(floor, kth - 2 * bound);
}
