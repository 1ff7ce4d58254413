// A WebAssembly SIMD pre-filter for exact search: float32 dot products of a whole partition, bounded error, re-scored exactly by the caller.
import { compileWasm, GET, HEADER, I32, leb, name, section, SET, simd, TEE, wasm } from '../../wasm.js';

/** Scores every stored vector against the query, in float32 lanes, into `sims`. */
export interface SimdScan {
  /** The stored vectors (slot-major), a view on the module's memory: re-read after `reserve`. */
  readonly vectors: Float32Array;
  /** Makes room for `capacity` vectors; the stored ones stay in place (memory only grows at its end). */
  reserve(capacity: number): void;
  /** float32 dot products of the query with the first `size` vectors. */
  scan(query: Float32Array, size: number): Float32Array;
}

const lane = (acc: number, i: number): number[] => [GET, acc, ...simd(31), i];

/**
 * scan(query, vectors, count, bytesPerVector, out, chunks, chunksEnd): out[s] = Σ lanes of Σ
 * query·vector[s] over the 4-float chunks listed (byte offsets, i32) between `chunks` and
 * `chunksEnd`: the caller lists those where the query is not zero, so a sparse query (the offline
 * embedder's hashed lexical part) skips most of the work, and the sums are the same to the bit (a
 * skipped product is ±0). Four vectors per pass (one query load, four independent f32x4 chains: an
 * f32x4 add waits on the one before it, so fewer chains leave the adder idle), so a count that is
 * not a multiple of four also scores up to three vectors after the last (whatever the memory holds
 * there; never read). Each vector's sum is the same chain, in the same order, as with one vector a
 * pass. Params 0–6 as named; locals: 7 the chunk pointer, 8, 9, 13 and 14 the sums, 10, 15 and 16 the
 * second to fourth vectors, 11 the query lanes, 12 the chunk's byte offset. Hand-encoded so the
 * package ships no binary and needs no toolchain.
 */
const ZERO = [...simd(12), ...new Array<number>(16).fill(0)];
const load = (base: number): number[] => [GET, base, GET, 12, 0x6a, ...simd(0), 2, 0];
const madd = (acc: number, base: number): number[] => [GET, acc, GET, 11, ...load(base), ...simd(230), ...simd(228), SET, acc];
const store = (acc: number, offset: number): number[] =>
  [GET, 4, ...lane(acc, 0), ...lane(acc, 1), 0x92, ...lane(acc, 2), 0x92, ...lane(acc, 3), 0x92, 0x38, 2, offset];
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

/** A scan over vectors of `dimensions` (a multiple of 4: whole f32x4 lanes), or undefined without SIMD. */
export function createSimdScan(dimensions: number, capacity: number): SimdScan | undefined {
  const mod = module();
  if (!wasm || !mod || dimensions % 4 !== 0) return undefined;
  const memory = new wasm.Memory({ initial: 1 });
  const run = new wasm.Instance(mod, { e: { m: memory } }).exports.s as ScanFn;
  let vectors = new Float32Array(0);
  let query = new Float32Array(0);
  let chunks = new Int32Array(0);
  let sims = new Float32Array(0);
  const quads = dimensions / 4;
  // Layout: the vectors from 0, then the query, its chunk list, one score per vector and three spare
  // for a count that is not a multiple of four, then two vectors of padding (scratch, rebuilt on
  // growth): the three vectors a full buffer's last pass reads past its end stay inside the memory.
  const reserve = (cap: number): void => {
    const floats = cap * dimensions;
    const bytes = (floats + dimensions + quads + cap + 3 + 2 * dimensions) * 4;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    // grow() detaches every old view, so all are made again on the current buffer.
    vectors = new Float32Array(memory.buffer, 0, floats);
    query = new Float32Array(memory.buffer, floats * 4, dimensions);
    chunks = new Int32Array(memory.buffer, (floats + dimensions) * 4, quads);
    sims = new Float32Array(memory.buffer, (floats + dimensions + quads) * 4, cap + 3);
  };
  reserve(capacity);
  return {
    get vectors() {
      return vectors;
    },
    reserve,
    scan(q, size) {
      query.set(q);
      let listed = 0;
      for (let c = 0, i = 0; c < quads; c++, i += 4) {
        if (q[i] !== 0 || q[i + 1] !== 0 || q[i + 2] !== 0 || q[i + 3] !== 0) chunks[listed++] = i * 4;
      }
      // The kernel runs its chunk loop at least once: an all-zero query still reads a real chunk.
      if (listed === 0) chunks[listed++] = 0;
      run(query.byteOffset, 0, size, dimensions * 4, sims.byteOffset, chunks.byteOffset, chunks.byteOffset + listed * 4);
      return sims;
    },
  };
}

/**
 * How far a float32 score may be from the float64 reference: each lane sums d/4 products (plus
 * the product and the three lane additions), each step within 2^-24 relative, of |q·v| ≤ ‖q‖‖v‖ <
 * 1.001 for the near-unit vectors the index accepts. Twice the textbook γ_n bound, for margin.
 */
export function scanErrorBound(dimensions: number): number {
  return (dimensions / 4 + 4) * 2 ** -23 * 1.001;
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
