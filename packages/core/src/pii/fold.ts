// Offset-preserving NFKC-style folding so detectors see full-width digits and exotic spaces as ASCII.
import { Buffer } from 'node:buffer';

/**
 * Maps, one UTF-16 unit to one unit, the characters whose NFKC form is a single ASCII character
 * that matters to detectors: full-width ASCII (U+FF01–FF5E), the no-break and typographic spaces,
 * and Unicode dashes (folded to '-', a little wider than NFKC on purpose). Real NFKC can change
 * the string length, which would break the offsets we report; this keeps offsets of the original.
 */
export function fold(text: string, from = 0): string {
  // `from`: the caller already knows nothing before this index folds.
  let i = from;
  const n = text.length;
  // Fast path: most prompts have nothing to fold.
  for (; i < n; i++) if (foldCode(text.charCodeAt(i)) !== -1) break;
  if (i === n) return text;
  // Optimistically built as a one-byte string (full-width digits, exotic spaces in English text
  // are Latin-1 once folded): half the memory, and every later pass reads less. A unit that stays
  // above Latin-1 switches to the UTF-16 build below.
  const narrowBuffer = scratchBuffer(n);
  let narrow = true;
  for (let k = 0; k < n; k++) {
    const c = text.charCodeAt(k);
    const mapped = c < 0xa0 ? -1 : foldCode(c);
    if (mapped === -1) {
      if (c > 0xff) {
        narrow = false;
        break;
      }
      narrowBuffer[k] = c;
    } else {
      narrowBuffer[k] = mapped;
    }
  }
  if (narrow) return narrowBuffer.toString('latin1', 0, n);
  const buffer = scratchBuffer(2 * n);
  // Otherwise one pass into UTF-16 units, decoded once: no per-character string allocations.
  const codes = new Uint16Array(buffer.buffer, buffer.byteOffset, n);
  for (let k = 0; k < i; k++) codes[k] = text.charCodeAt(k);
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const mapped = foldCode(c);
    codes[i] = mapped === -1 ? c : mapped;
  }
  // Node's UTF-16 decoding copies the units as they are (a BOM and lone surrogates stay, so offsets
  // stay exact) and, unlike TextDecoder, stays linear on megabyte inputs.
  return buffer.toString('utf16le', 0, 2 * n);
}

/** Largest scratch buffer kept between calls: twice the default scan cap (1 Mi UTF-16 units). */
const MAX_KEPT_SCRATCH = 2 * 1_048_576;
let scratch: Buffer | undefined;

/**
 * A scratch buffer of at least `bytes`, reused across calls: writing megabytes into freshly mapped
 * memory costs a page fault per page, which made folding a 1 MB input ~30× slower than 100 KB.
 */
function scratchBuffer(bytes: number): Buffer {
  if (scratch !== undefined && scratch.length >= bytes) return scratch;
  let size = 4096;
  while (size < bytes) size *= 2;
  // Unpooled, so the buffer starts at offset 0 and its UTF-16 view is aligned.
  const buffer = Buffer.allocUnsafeSlow(size);
  if (size <= MAX_KEPT_SCRATCH) scratch = buffer;
  return buffer;
}

/** The ASCII code a unit folds to, or -1 when it stays as it is. */
function foldCode(c: number): number {
  if (c < 0xa0) return -1;
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0;
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000) return 0x20;
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe63) return 0x2d;
  return -1;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAsciiAlnum(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c);
}

const LETTER = /[\p{L}\p{M}\p{N}]/u;

/** Letters, marks and numbers of any script (BMP only; surrogate halves are not letters here). */
export function isUnicodeWordChar(c: number): boolean {
  if (c < 0x80) return isAsciiAlnum(c);
  if (c >= 0xd800 && c <= 0xdfff) return false;
  return LETTER.test(String.fromCharCode(c));
}
