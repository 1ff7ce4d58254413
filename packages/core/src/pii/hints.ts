// One cheap pass over a (folded) string that finds the few places worth a detector's attention.
import { atEscapeLength, foldsAt } from './fold.js';
import { SECRET_PREFIXES } from './secret.js';
import type { Hints } from './types.js';

export type { Hints } from './types.js';


/**
 * libphonenumber-js calls allowed per scanText/inspect call: PHONE_CHECK_FLOOR, or one per
 * PHONE_CHARS_PER_CHECK characters scanned when that is more. One call costs ~10–30 µs and the
 * densest phone-shaped text needs ~0.5 call per character (5 regions, a candidate every ~10
 * characters), so the floor covers ~16 KB of nothing but distinct numbers, and a 1 MiB body costs
 * at most ~32,768 calls (≲ 1 s). Past the budget the remaining candidates count as phone numbers
 * (fail closed) and inspect() reports the body as unscanned.
 */
export const PHONE_CHECK_FLOOR = 8192;
export const PHONE_CHARS_PER_CHECK = 32;

/** The libphonenumber budget of a call that scans `chars` characters. */
export function phoneBudget(chars: number): number {
  return Math.max(PHONE_CHECK_FLOOR, Math.ceil(chars / PHONE_CHARS_PER_CHECK));
}

/** Fewest digits any digit detector matches: a phone number (7); SSNs need 9, cards 13. */
export const MIN_CLUSTER_DIGITS = 7;

const OTHER = 0;
const DIGIT = 1;
const JOINER = 2;
const AT = 3;
/** Returned by the class lookup for a character fold() would change. */
const FOLDS = 4;
/** '%' and '&': they start an '@' escape that fold() turns into '@'. */
const ESCAPE = 5;

const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (const ch of ' -./_()+') CLASS[ch.charCodeAt(0)] = JOINER;
CLASS[64] = AT;
CLASS[0x25] = ESCAPE;
CLASS[0x26] = ESCAPE;

/** (first << 7 | second) → 1 when some secret prefix starts with those two ASCII characters. */
const SECRET_PAIR = new Uint8Array(128 * 128);
/** First characters of secret prefixes: most words fail this one load. */
const SECRET_FIRST = new Uint8Array(128);
for (const prefix of SECRET_PREFIXES) {
  SECRET_FIRST[prefix.charCodeAt(0)] = 1;
  SECRET_PAIR[(prefix.charCodeAt(0) << 7) | prefix.charCodeAt(1)] = 1;
}

export function createHints(): Hints {
  return {
    clusters: new Int32Array(48),
    clusterCount: 0,
    ibans: new Int32Array(16),
    ibanCount: 0,
    secrets: new Int32Array(16),
    secretCount: 0,
    at: -1,
    phoneChecks: PHONE_CHECK_FLOOR,
    exhausted: false,
    phoneMemo: undefined,
    out: [],
  };
}

/** Resets the per-call budget for a call that scans `chars` characters. */
export function startCall(h: Hints, chars: number): void {
  h.phoneChecks = phoneBudget(chars);
  h.exhausted = false;
  h.phoneMemo = undefined;
}

/** Drops per-call state (the memo holds candidate numbers: not kept past the call) and buffers a huge input grew. */
export function endCall(h: Hints): void {
  h.phoneMemo = undefined;
  h.out.length = 0;
  if (h.clusters.length > 4096) h.clusters = new Int32Array(48);
  if (h.ibans.length > 4096) h.ibans = new Int32Array(16);
  if (h.secrets.length > 4096) h.secrets = new Int32Array(16);
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Fills `h` for `text`. With `checkFold`, stops and returns the index of the first character that
 * fold() would change (the caller folds and scans again); otherwise returns -1.
 */
export function prescan(text: string, h: Hints, checkFold: boolean): number {
  h.clusterCount = 0;
  h.ibanCount = 0;
  h.secretCount = 0;
  h.at = -1;
  const n = text.length;
  let clusterStart = -1;
  let clusterDigits = 0;
  let letters = 0;
  let prevDigit = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (((c | 32) - 97) >>> 0 < 26) {
      // An ASCII word, walked in a tight loop: the common case in prose.
      if (clusterStart !== -1) {
        if (clusterDigits >= MIN_CLUSTER_DIGITS) pushCluster(h, clusterStart, i, clusterDigits);
        clusterStart = -1;
        clusterDigits = 0;
      }
      const wordStart = i;
      if (SECRET_FIRST[c] === 1 && !prevDigit && i + 1 < n) {
        const next = text.charCodeAt(i + 1);
        if (next < 128 && SECRET_PAIR[(c << 7) | next] === 1) {
          if (h.secretCount === h.secrets.length) h.secrets = grow(h.secrets);
          h.secrets[h.secretCount++] = i;
        }
      }
      i++;
      while (i < n && ((text.charCodeAt(i) | 32) - 97) >>> 0 < 26) i++;
      letters = i - wordStart;
      prevDigit = false;
      continue;
    }
    if (c === 0x20) {
      // A space continues a cluster but never starts one (no detector's match starts with a space).
      letters = 0;
      prevDigit = false;
      i++;
      continue;
    }
    let k = c < 128 ? CLASS[c]! : checkFold && foldsAt(text, i) ? FOLDS : OTHER;
    if (k === ESCAPE) k = checkFold && atEscapeLength(text, i) > 0 ? FOLDS : OTHER;
    if (k === DIGIT) {
      if (clusterStart === -1) clusterStart = i;
      clusterDigits++;
      if (letters === 2) {
        if (h.ibanCount === h.ibans.length) h.ibans = grow(h.ibans);
        h.ibans[h.ibanCount++] = i - 2;
      }
      prevDigit = true;
    } else if (k === JOINER) {
      // Phone numbers may start with '+' or '('; the other joiners only continue a cluster.
      if (clusterStart === -1 && (c === 0x2b || c === 0x28)) clusterStart = i;
      prevDigit = false;
    } else {
      if (k === FOLDS) return i;
      if (k === AT && h.at === -1) h.at = i;
      if (clusterStart !== -1) {
        if (clusterDigits >= MIN_CLUSTER_DIGITS) pushCluster(h, clusterStart, i, clusterDigits);
        clusterStart = -1;
        clusterDigits = 0;
      }
      prevDigit = false;
    }
    letters = 0;
    i++;
  }
  if (clusterStart !== -1 && clusterDigits >= MIN_CLUSTER_DIGITS) pushCluster(h, clusterStart, n, clusterDigits);
  return -1;
}

function pushCluster(h: Hints, start: number, end: number, digits: number): void {
  const at = h.clusterCount * 3;
  if (at + 3 > h.clusters.length) h.clusters = grow(h.clusters);
  h.clusters[at] = start;
  h.clusters[at + 1] = end;
  h.clusters[at + 2] = digits;
  h.clusterCount++;
}

/** Hints that point everywhere: detectors given these behave as full scans (reference for tests). */
export function exhaustiveHints(text: string): Hints {
  const n = text.length;
  const all = new Int32Array(Math.max(1, n));
  for (let i = 0; i < n; i++) all[i] = i;
  return { ...createHints(), clusters: Int32Array.of(0, n, n), clusterCount: n > 0 ? 1 : 0, ibans: all, ibanCount: n, secrets: all, secretCount: n, at: text.indexOf('@') };
}
