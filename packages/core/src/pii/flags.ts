// The units the PII pre-pass must look at (all but ASCII letters and spaces, and words that may start a secret), found 8 at a time with WebAssembly SIMD.
import { Buffer } from 'node:buffer';
import { compileWasm, GET, HEADER, I32, leb, name, section, SET, simd, TEE, V128, wasm } from '../wasm.js';
import { isAsciiLetter, isDigit } from './fold.js';
import { Scratch } from './scratch.js';
import { SECRET_PREFIXES } from './secret.js';

/** Positions (ascending) of the flagged units, and the text's units at [0, length): views of reused buffers, read them before the next call. */
export interface Flagged {
  positions: Int32Array;
  count: number;
  /** A typed-array load costs a few instructions; `charCodeAt` re-checks the string's representation at every call. */
  units: Uint16Array;
}

/**
 * A unit is flagged unless it is a space or an ASCII letter that cannot start a secret hint: one
 * after a letter or digit (inside a token), or one that no secret prefix starts with. Everything
 * else is flagged, non-ASCII included (it may fold), so the pre-pass sees whatever could start,
 * continue or end a detector's match or a fold; the letters and spaces between flagged units can
 * only end an open digit cluster, which the pre-pass checks itself.
 */
const SECRET_FIRST = new Uint8Array(128);
for (const prefix of SECRET_PREFIXES) SECRET_FIRST[prefix.charCodeAt(0)] = 1;
const FIRST_LETTERS = Array.from(SECRET_FIRST.keys()).filter((c) => SECRET_FIRST[c] === 1 && isAsciiLetter(c));

/** The reference: the same flags one unit at a time (used where WebAssembly SIMD is missing, and by the tests). */
export function flagPlain(text: string, start = 0): Flagged {
  const end = Math.min(text.length, start + FLAG_CHUNK);
  const positions = positionScratch.get(FLAG_CHUNK);
  const units = unitScratch.get(text.length).units;
  let count = 0;
  let prev = start === 0 ? 0 : text.charCodeAt(start - 1);
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    units[i] = c;
    if (isAsciiLetter(c) ? SECRET_FIRST[c] === 1 && !isAsciiLetter(prev) && !isDigit(prev) : c !== 0x20) positions[count++] = i;
    prev = c;
  }
  return result(positions, count, units);
}

// The kernel: flag(ptr, blocks, out, base) → count. For each block of 16 units at `ptr` (the unit
// before the first readable at ptr - 2), narrows the units to bytes (unsigned saturation: every
// non-ASCII unit becomes 0 or 255, neither a letter, digit nor space), computes the flags above as
// byte-lane masks and writes base + lane of every flagged lane to the i32s at `out`. Params 0–3 as
// named; locals: 4 the count, 5 the lane bits, 6 the units, 7 the units one lane back, 8 their letter
// lanes, 9 the flags, then the constants (hoisted out of the loop), from CONST on.
const [EQ, LT_U, SUB, NOT, AND, ANDNOT, OR, ANY, BITMASK, NARROW] = [35, 38, 113, 77, 78, 79, 80, 83, 100, 102].map(simd) as [number[], number[], number[], number[], number[], number[], number[], number[], number[], number[]];
const CONST = 10;
const CONSTANTS = [0x20, 97, 26, 48, 10, ...FIRST_LETTERS];
const constant = (x: number): number => CONST + CONSTANTS.indexOf(x);
const load = (offset: number): number[] => [GET, 0, ...(offset < 0 ? [0x41, -offset, 0x6b] : []), ...simd(0), 0, Math.max(offset, 0)];
const narrowed = (offset: number): number[] => [...load(offset), ...load(offset + 16), ...NARROW];
const lanes = (v: number, x: number, op: number[]): number[] => [GET, v, GET, constant(x), ...op];
const letterLanes = (v: number): number[] => [...lanes(v, 0x20, OR), GET, constant(97), ...SUB, GET, constant(26), ...LT_U];
const digitLanes = (v: number): number[] => [...lanes(v, 48, SUB), GET, constant(10), ...LT_U];
const firstLanes = (v: number): number[] =>
  FIRST_LETTERS.length === 0 ? [GET, v, ...NOT, GET, v, ...AND] : FIRST_LETTERS.flatMap((c, k) => (k === 0 ? lanes(v, c, EQ) : [...lanes(v, c, EQ), ...OR]));
const BODY = [
  ...CONSTANTS.flatMap((x, k) => [...simd(12), ...new Array<number>(16).fill(x), SET, CONST + k]),
  0x02, 0x40, GET, 1, 0x45, 0x0d, 0,
  0x03, 0x40,
  ...narrowed(0), SET, 6,
  ...narrowed(-2), SET, 7,
  ...letterLanes(6), TEE, 8, ...lanes(6, 0x20, EQ), ...OR, ...NOT,
  ...firstLanes(6), GET, 8, ...AND, ...letterLanes(7), ...ANDNOT, ...digitLanes(7), ...ANDNOT,
  ...OR, TEE, 9, ...ANY,
  0x04, 0x40,
  GET, 9, ...BITMASK, SET, 5,
  0x03, 0x40,
  GET, 2, GET, 4, 0x41, 2, 0x74, 0x6a, GET, 3, GET, 5, 0x68, 0x6a, 0x36, 2, 0,
  GET, 4, 0x41, 1, 0x6a, SET, 4,
  GET, 5, GET, 5, 0x41, 1, 0x6b, 0x71, TEE, 5, 0x0d, 0,
  0x0b,
  0x0b,
  GET, 0, 0x41, 32, 0x6a, SET, 0,
  GET, 3, 0x41, 16, 0x6a, SET, 3,
  GET, 1, 0x41, 1, 0x6b, TEE, 1, 0x0d, 0,
  0x0b, 0x0b,
  GET, 4, 0x0b,
];
const FUNCTION = [2, 2, I32, 4 + CONSTANTS.length, V128, ...BODY];

/**
 * Units flagged per call: a longer text is flagged a chunk at a time, so the kernel's memory stays
 * at 4 pages, the positions stay in cache, and a pass that stops early flags no further.
 */
export const FLAG_CHUNK = 32_768;
const CHUNK = FLAG_CHUNK;
/** Byte offset of a chunk's first unit; the unit before it sits at FIRST - 2. */
const FIRST = 16;
/** Byte offset of the positions, after the chunk and 16 units of padding. */
const OUT = FIRST + 2 * (CHUNK + 16);
const PAGES = Math.ceil((OUT + 4 * CHUNK) / 65_536);
const BYTES = new Uint8Array([
  ...HEADER,
  ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0, PAGES]),
  ...section(7, [2, ...name('s'), 0, 0, ...name('m'), 2, 0]),
  ...section(10, [1, ...leb(FUNCTION.length), ...FUNCTION]),
]);

/** Units below which a charCodeAt copy costs fewer instructions than Buffer.write's fixed cost (callgrind, Node 20). */
const NATIVE_COPY_MIN = 48;

interface Kernel {
  run: (ptr: number, blocks: number, out: number, base: number) => number;
  bytes: Buffer;
  units: Uint16Array;
  positions: Int32Array;
}

/** The instance, or null without WebAssembly SIMD or on a big-endian host (the unit copy is host-order). */
function instantiate(): Kernel | null {
  const mod = compileWasm(BYTES);
  if (!wasm || !mod || new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) return null;
  const { exports } = new wasm.Instance(mod, {});
  const { buffer } = exports.m as { buffer: ArrayBuffer };
  return {
    run: exports.s as Kernel['run'],
    bytes: Buffer.from(buffer),
    units: new Uint16Array(buffer, FIRST, CHUNK + 16),
    positions: new Int32Array(buffer, OUT, CHUNK),
  };
}

const kernel = instantiate();
let useKernel = kernel !== null;

/** Tests: run the plain reference instead of the kernel (or back); returns whether the kernel was in use. */
export function useSimdFlags(on: boolean): boolean {
  const was = useKernel;
  useKernel = on && kernel !== null;
  return was;
}

export function simdFlagsAvailable(): boolean {
  return kernel !== null;
}

/**
 * The flagged units of `text` in [start, start + FLAG_CHUNK): the kernel where available, else the
 * plain reference. Call with start 0 first (a long text's units are copied then), then each next chunk.
 */
export function flag(text: string, start = 0): Flagged {
  if (!useKernel) return flagPlain(text, start);
  const k = kernel!;
  const n = text.length;
  if (n <= CHUNK) {
    if (n < NATIVE_COPY_MIN || k.bytes.write(text, FIRST, 'utf16le') !== 2 * n) copyUnits(text, k.units);
    return result(k.positions, runChunk(k, 0, n), k.units);
  }
  // A long text is copied once, then each chunk, with the unit before it, from that copy.
  const { bytes, units } = unitScratch.get(n);
  if (start === 0 && bytes.write(text, 0, 'utf16le') !== 2 * n) copyUnits(text, units);
  const length = Math.min(CHUNK, n - start);
  k.units.set(units.subarray(start, start + length));
  return result(k.positions, runChunk(k, start, length, units[start - 1]), units);
}

function copyUnits(text: string, units: Uint16Array): void {
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
}

/** Runs the kernel over the `length` units copied below it, `before` being the unit before them (0 before a text's first). */
function runChunk(k: Kernel, start: number, length: number, before = 0): number {
  k.bytes[FIRST - 2] = before & 0xff;
  k.bytes[FIRST - 1] = before >>> 8;
  // Spaces after the last unit: never flagged, so the last block's padding lanes stay quiet.
  k.units.fill(0x20, length, length + 16);
  return k.run(FIRST, (length + 15) >> 4, OUT, start);
}

interface Units {
  bytes: Buffer;
  units: Uint16Array;
  /** Units it holds. */
  length: number;
}
const positionScratch = new Scratch((size) => new Int32Array(size));
/** A Buffer and its Uint16Array view (host order). */
const unitScratch = new Scratch<Units>((size) => {
  const bytes = Buffer.allocUnsafeSlow(2 * size);
  return { bytes, units: new Uint16Array(bytes.buffer, bytes.byteOffset, size), length: size };
});

const flagged: Flagged = { positions: new Int32Array(0), count: 0, units: new Uint16Array(0) };

function result(positions: Int32Array, count: number, units: Uint16Array): Flagged {
  flagged.positions = positions;
  flagged.count = count;
  flagged.units = units;
  return flagged;
}
