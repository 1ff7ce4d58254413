// Offset-preserving NFKC-style folding so detectors see full-width digits and exotic spaces as ASCII.

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
  // One pass into a UTF-16 buffer, decoded once: no per-character string allocations.
  const codes = new Uint16Array(n);
  for (let k = 0; k < i; k++) codes[k] = text.charCodeAt(k);
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const mapped = foldCode(c);
    codes[i] = mapped === -1 ? c : mapped;
  }
  return UTF16.decode(codes);
}

// ignoreBOM keeps a leading U+FEFF, so the folded text has exactly the original length.
const UTF16 = new TextDecoder('utf-16le', { ignoreBOM: true });

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
