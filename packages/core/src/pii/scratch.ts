// Sizing of the PII scanner's scratch buffers, which are reused across calls up to a bound.

/** Largest scratch kept between calls: twice the default scan cap (1 Mi UTF-16 units). */
const MAX_KEPT_SCRATCH = 2 * 1_048_576;

/**
 * Size of a scratch buffer for `length` elements. Scratch buffers are reused across calls: writing
 * megabytes into freshly mapped memory costs a page fault per page, which made folding a 1 MB input
 * ~30× slower than 100 KB.
 */
function scratchCapacity(length: number): number {
  let size = 4096;
  while (size < length) size *= 2;
  return size;
}

/** One reusable scratch buffer: kept between calls while it holds at most MAX_KEPT_SCRATCH elements. */
export class Scratch<T extends { readonly length: number }> {
  private kept: T | undefined;

  /** `make(size)` makes a buffer for `size` elements. */
  constructor(private readonly make: (size: number) => T) {}

  /** A buffer for at least `length` elements (its contents are stale). */
  get(length: number): T {
    if (this.kept !== undefined && this.kept.length >= length) return this.kept;
    const buffer = this.make(scratchCapacity(length));
    if (buffer.length <= MAX_KEPT_SCRATCH) this.kept = buffer;
    return buffer;
  }
}
