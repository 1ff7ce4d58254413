// Reusable buffers for synchronous crypto steps, so large inputs do not cost an allocation per call.

/** Scratch buffers grow up to this size; larger requests get a buffer of their own. */
const SCRATCH_MAX = 1 << 20;
/** Strings up to this many UTF-16 units get room for the worst case (3 bytes each) instead of being measured first. */
const MEASURE_ABOVE = 1 << 20;

/** Bytes to reserve for `text` as UTF-8: the worst case when that is cheap, the exact length otherwise. */
export function utf8Room(text: string): number {
  return text.length <= MEASURE_ABOVE ? text.length * 3 : Buffer.byteLength(text, 'utf8');
}

/**
 * A buffer reused by one synchronous step (nothing else runs until the step is done with it), so
 * large tokens do not cost a fresh allocation each. The holder wipes what it wrote when it matters.
 */
export class Scratch {
  #buffer = Buffer.alloc(0);

  take(size: number): Buffer {
    if (size > SCRATCH_MAX) return Buffer.allocUnsafe(size);
    if (size > this.#buffer.length) this.#buffer = Buffer.alloc(Math.min(SCRATCH_MAX, Math.max(size, 2 * this.#buffer.length, 4096)));
    return this.#buffer.subarray(0, size);
  }
}
