// 64-bit simhash of prompt text: near-identical prompts get fingerprints a few bits apart, without keeping the text.

/** Characters fingerprinted from each end of a long text, so the cost per prompt stays bounded. */
const EDGE = 8_192;
/** Tokens longer than this (unspaced scripts, pasted blobs) are split into shingles of SHINGLE characters. */
const LONG_TOKEN = 16;
const SHINGLE = 3;
const WORD = /[\p{L}\p{M}\p{N}#]+/gu;
/** Scripts written without spaces: their "words" are whole clauses, so they are always shingled. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const ASCII = /^[\x00-\x7f]*$/;
const DIGITS = /\p{Nd}+/gu;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addFeature(acc: Int32Array, text: string, from: number, to: number): void {
  // Two differently seeded FNV-1a passes make the 64 bits; fmix32 spreads them evenly.
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let j = from; j < to; j++) {
    const c = text.charCodeAt(j);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a = fmix32(a);
  b = fmix32(b ^ 0x27d4eb2f);
  for (let bit = 0; bit < 32; bit++) {
    acc[bit]! += (a >>> bit) & 1 ? 1 : -1;
    acc[32 + bit]! += (b >>> bit) & 1 ? 1 : -1;
  }
}

/**
 * Simhash (Charikar) of a prompt, as 16 lower-case hex digits. Features are the words of the
 * NFKC-folded, lower-cased text, with every run of digits read as one placeholder, so prompts that
 * differ only in a number (an account, a card, a date) get the same fingerprint and a changed word
 * moves only a few bits; long tokens and scripts written without spaces are read as 3-character shingles; texts over
 * 16 KiB are fingerprinted from their first and last 8 KiB. Not reversible to the prompt, but it
 * does tell whether two prompts are alike: treat it as tenant data, never as a metric label.
 */
export function simhash64(text: string): string {
  let s = text.length > 2 * EDGE ? text.slice(0, EDGE) + ' ' + text.slice(-EDGE) : text;
  s = (ASCII.test(s) ? s : s.normalize('NFKC')).toLowerCase().replace(DIGITS, '#');
  const acc = new Int32Array(64);
  let features = 0;
  for (const match of s.matchAll(WORD)) {
    const start = match.index;
    const end = start + match[0].length;
    if (end - start <= LONG_TOKEN && !UNSPACED.test(match[0])) {
      addFeature(acc, s, start, end);
      features++;
    } else {
      for (let i = start; i + SHINGLE <= end; i++) addFeature(acc, s, i, i + SHINGLE);
      features += end - start - SHINGLE + 1;
    }
  }
  if (features === 0) return '0000000000000000';
  let lo = 0;
  let hi = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (acc[bit]! > 0) lo |= 1 << bit;
    if (acc[32 + bit]! > 0) hi |= 1 << bit;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

const HEX64 = /^[0-9a-f]{16}$/;

/** True for a fingerprint as simhash64 writes it. */
export function isSimhash64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Number of differing bits between two simhash64 fingerprints. */
export function hammingDistance64(a: string, b: string): number {
  if (!isSimhash64(a) || !isSimhash64(b)) throw new TypeError('vectorcache: hammingDistance64 expects two 16-digit lower-case hex fingerprints');
  return popcount32(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) + popcount32(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16));
}

/**
 * The four 16-bit bands of a fingerprint, each tagged with its position. Two fingerprints within
 * Hamming distance 3 agree on at least one whole band (4 bands, at most 3 differing bits), which
 * lets a store without range queries find near-duplicates by exact band match.
 */
export function simhashBands(fingerprint: string): [string, string, string, string] {
  return [0, 1, 2, 3].map((i) => `${i}:${fingerprint.slice(i * 4, i * 4 + 4)}`) as [string, string, string, string];
}
