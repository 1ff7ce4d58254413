// NFKC-style folding for detectors: exotic digits, spaces and dashes to ASCII, invisible characters and '@' escapes removed.
import { Buffer } from 'node:buffer';
import { Scratch } from './scratch.js';

/**
 * What one UTF-16 unit at or above U+0080 becomes: KEEP, REMOVE (format and default-ignorable
 * characters: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi controls, variation
 * selectors…), PAIR (a high surrogate: look at the code point), or the ASCII code it folds to
 * (full-width ASCII, decimal digits of any script, no-break and typographic spaces, dashes).
 */
const KEEP = 0;
const REMOVE = 1;
const PAIR = 2;
const TABLE = buildTable();

function buildTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  let all = '';
  // Every BMP character but surrogates, in slices (String.fromCharCode takes arguments).
  for (let c = 0x80; c < 0x10000; c += 0x1000) {
    const codes: number[] = [];
    for (let k = c; k < Math.min(0x10000, c + 0x1000); k++) codes.push(k >= 0xd800 && k <= 0xdfff ? 0x20 : k);
    all += String.fromCharCode(...codes);
  }
  for (const m of all.matchAll(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu)) table[m[0].charCodeAt(0)] = REMOVE;
  // Decimal digits come in runs of ten from zero (a Unicode stability guarantee).
  for (const m of all.matchAll(/\p{Nd}/gu)) {
    const c = m[0].charCodeAt(0);
    table[c] = c < 0x80 ? 0 : 0x30 + digitValue(c, (k) => /\p{Nd}/u.test(String.fromCharCode(k)));
  }
  for (let c = 0xff01; c <= 0xff5e; c++) table[c] = c - 0xfee0;
  for (const c of [0xa0, 0x202f, 0x205f, 0x3000]) table[c] = 0x20;
  for (let c = 0x2000; c <= 0x200a; c++) table[c] = 0x20;
  // Unicode dashes fold to '-', a little wider than NFKC on purpose.
  for (const c of [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xfe63]) table[c] = 0x2d;
  for (let c = 0xd800; c <= 0xdbff; c++) table[c] = PAIR;
  return table;
}

/**
 * Value of decimal digit `c`: its distance from the start of its run of digits, modulo 10. Runs
 * that touch (the 50 mathematical digits) are each ten long and start at a zero, so walking to the
 * start of the whole stretch (at most 50 steps) and taking the remainder is exact.
 */
function digitValue(c: number, isDigit: (c: number) => boolean): number {
  let start = c;
  while (isDigit(start - 1)) start--;
  return (c - start) % 10;
}

const ASTRAL_DIGIT = /^\p{Nd}$/u;
const ASTRAL_REMOVE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
/** Astral code points seen so far → KEEP, REMOVE or the ASCII digit code; bounded. */
const astral = new Map<number, number>();

/** What an astral code point folds to (mathematical and other-script digits, tag characters). */
function astralClass(cp: number): number {
  let result = astral.get(cp);
  if (result !== undefined) return result;
  const s = String.fromCodePoint(cp);
  if (ASTRAL_DIGIT.test(s)) result = 0x30 + digitValue(cp, (k) => ASTRAL_DIGIT.test(String.fromCodePoint(k)));
  else result = ASTRAL_REMOVE.test(s) ? REMOVE : KEEP;
  if (astral.size >= 4096) astral.clear();
  astral.set(cp, result);
  return result;
}

/** True when the unit at `i` (≥ U+0080) changes under fold(): the pre-pass calls this per non-ASCII unit. */
export function foldsAt(text: string, i: number): boolean {
  const t = TABLE[text.charCodeAt(i)]!;
  if (t !== PAIR) return t !== KEEP;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff && astralClass(((text.charCodeAt(i) - 0xd800) << 10) + (low - 0xdc00) + 0x10000) !== KEEP;
}

/** Length of an '@' escape at `i` ('%40', '&#64;', '&#x40;' with any leading zeros, '&commat;'), or 0. */
export function atEscapeLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x25) return text.charCodeAt(i + 1) === 0x34 && text.charCodeAt(i + 2) === 0x30 ? 3 : 0;
  if (c !== 0x26) return 0;
  AT_ENTITY.lastIndex = i;
  const m = AT_ENTITY.exec(text);
  return m === null ? 0 : m[0].length;
}

const AT_ENTITY = /&(?:#0{0,8}64|#[xX]0{0,8}40|commat);/y;

/** The folded text and, when its length differs from the original, where each of its units came from. */
export interface Folded {
  text: string;
  /**
   * `map[k]` is the index in the original of folded unit k; `map[text.length]` is the original's
   * length. A span [s, e) of the folded text is [map[s], map[e]) of the original (removed characters
   * inside or right after it included). Undefined when offsets are those of the original.
   * A view of a reused buffer: read it before the next fold.
   */
  map: Int32Array | undefined;
}

/**
 * Folds `text` for the detectors. `from`: the caller already knows nothing before it folds.
 * Characters map one unit to one unit, except removed ones, astral digits (two units to one) and
 * '@' escapes, for which `map` gives the original offsets. Lone surrogates stay as they are.
 */
export function foldWithMap(text: string, from = 0): Folded {
  const n = text.length;
  let i = from;
  // Fast path: most prompts have nothing to fold.
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 ? (c === 0x25 || c === 0x26) && atEscapeLength(text, i) > 0 : foldsAt(text, i)) break;
  }
  if (i === n) return { text, map: undefined };
  // Written as bytes while the output is Latin-1 (the usual case: full-width digits, exotic spaces
  // in English text), then as UTF-16 units from the first wider unit on.
  const bytes = byteScratch.get(n);
  let codes: Uint16Array | undefined;
  let escapes = false;
  for (let k = 0; k < i; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x25 || c === 0x26) escapes = true;
    bytes[k] = c;
  }
  let k = i;
  // `map` is written only from the first removed or merged unit on (identity before it): most
  // folds (full-width digits, exotic spaces) keep every offset and skip it entirely.
  const map = offsetScratch.get(n + 1);
  let mapped = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    let out = c;
    if (c >= 0x80) {
      const t = TABLE[c]!;
      if (t === REMOVE) continue;
      if (t === PAIR) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          const a = astralClass(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000);
          if (a === REMOVE) {
            i++;
            continue;
          }
          if (!mapped && k !== i) mapped = identity(map, k);
          if (mapped) map[k] = i;
          i++;
          if (a !== KEEP) {
            if (codes === undefined) bytes[k++] = a;
            else codes[k++] = a;
            continue;
          }
          codes ??= widen(bytes, k, n);
          codes[k++] = c;
          out = low;
        }
      } else if (t !== KEEP) out = t;
    }
    // '%' and '&' (also folded from full-width) may start an '@' escape: a second stage decodes them.
    if (out === 0x25 || out === 0x26) escapes = true;
    if (!mapped && k !== i) mapped = identity(map, k);
    if (mapped) map[k] = i;
    if (codes !== undefined) codes[k++] = out;
    else if (out <= 0xff) bytes[k++] = out;
    else {
      codes = widen(bytes, k, n);
      codes[k++] = out;
    }
  }
  const folded = codes === undefined ? bytes.toString('latin1', 0, k) : Buffer.from(codes.buffer, codes.byteOffset, 2 * k).toString('utf16le');
  if (!mapped && !escapes) return { text: folded, map: undefined };
  if (!mapped) identity(map, k);
  map[k] = n;
  const escaped = escapes ? unescapeAt(folded, map) : undefined;
  return escaped ?? { text: folded, map: mapped ? map.subarray(0, k + 1) : undefined };
}

/** The first `k` bytes as UTF-16 units, in a buffer for `n` units. */
function widen(bytes: Buffer, k: number, n: number): Uint16Array {
  const codes = unitScratch.get(n);
  for (let j = 0; j < k; j++) codes[j] = bytes[j]!;
  return codes;
}

/** Fills map[0, k) with identity offsets (nothing before k moved); returns true. */
function identity(map: Int32Array, k: number): true {
  for (let j = 0; j < k; j++) map[j] = j;
  return true;
}

/** Folds `text` (see foldWithMap) and returns only the text. */
export function fold(text: string, from = 0): string {
  return foldWithMap(text, from).text;
}

/** Second stage, only for text holding an '@' escape: each escape becomes '@', composing `map`. */
function unescapeAt(text: string, map: Int32Array): Folded | undefined {
  const n = text.length;
  let out = '';
  let last = 0;
  let k = 0;
  const composed = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25 && c !== 0x26) continue;
    const length = atEscapeLength(text, i);
    if (length === 0) continue;
    for (let j = last; j < i; j++) composed[k++] = map[j]!;
    composed[k++] = map[i]!;
    out += text.slice(last, i) + '@';
    last = i + length;
    i = last - 1;
  }
  if (last === 0) return undefined;
  for (let j = last; j <= n; j++) composed[k++] = map[j]!;
  return { text: out + text.slice(last), map: composed.subarray(0, k) };
}

const unitScratch = new Scratch((size) => new Uint16Array(size));
const offsetScratch = new Scratch((size) => new Int32Array(size));
/**
 * Latin-1 units. Node's UTF-16 decoding (the wide case) copies units as they are (lone surrogates
 * stay, offsets stay exact) and, unlike TextDecoder, stays linear on megabyte inputs.
 */
const byteScratch = new Scratch((size) => Buffer.allocUnsafeSlow(size));

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
