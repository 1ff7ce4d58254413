// One cheap pass over a (folded) string that finds the few places worth a detector's attention.
import { atEscapeLength, foldsAt, isAsciiLetter } from './fold.js';
import { FLAG_CHUNK, flag } from './flags.js';
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
const LETTER = 6;

const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (const ch of ' -./_()+') CLASS[ch.charCodeAt(0)] = JOINER;
CLASS[64] = AT;
CLASS[0x25] = ESCAPE;
CLASS[0x26] = ESCAPE;
for (let c = 65; c <= 122; c++) if (isAsciiLetter(c)) CLASS[c] = LETTER;

/** (first << 7 | second) → 1 when some secret prefix starts with those two ASCII characters. */
const SECRET_PAIR = new Uint8Array(128 * 128);
for (const prefix of SECRET_PREFIXES) SECRET_PAIR[(prefix.charCodeAt(0) << 7) | prefix.charCodeAt(1)] = 1;

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

/** The units of an empty text: no flag() call ran. */
const EMPTY: Uint16Array = new Uint16Array(0);

/**
 * Fills `h` for `text`. With `checkFold`, stops and returns the index of the first character that
 * fold() would change (the caller folds and scans again); otherwise returns -1. Looks only at the
 * units flag() points to: the rest are ASCII letters inside words and spaces.
 */
export function prescan(text: string, h: Hints, checkFold: boolean): number {
  h.clusterCount = 0;
  h.ibanCount = 0;
  h.secretCount = 0;
  h.at = -1;
  const n = text.length;
  let units = EMPTY;
  let clusterStart = -1;
  let clusterDigits = 0;
  /** First unit not yet looked at. */
  let next = 0;
  // Chunk by chunk (see flag()): a pass that stops at the first unit to fold flags no further.
  for (let start = 0; start < n; start += FLAG_CHUNK) {
    const flagged = flag(text, start);
    const { positions, count } = flagged;
    units = flagged.units;
    for (let k = 0; k < count; k++) {
      const i = positions[k]!;
      // A space continues a cluster, a letter ends it (no detector's match starts with a space).
      if (clusterStart !== -1 && next < i) {
        const letter = firstLetter(units, next, i);
        if (letter !== -1) {
          if (clusterDigits >= MIN_CLUSTER_DIGITS) pushCluster(h, clusterStart, letter, clusterDigits);
          clusterStart = -1;
          clusterDigits = 0;
        }
      }
      next = i + 1;
      const c = units[i]!;
      let kind = c < 128 ? CLASS[c]! : checkFold && foldsAt(text, i) ? FOLDS : OTHER;
      if (kind === ESCAPE) kind = checkFold && atEscapeLength(text, i) > 0 ? FOLDS : OTHER;
      if (kind === DIGIT) {
        if (clusterStart === -1) clusterStart = i;
        clusterDigits++;
        if (twoLetterWordBefore(units, i)) {
          if (h.ibanCount === h.ibans.length) h.ibans = grow(h.ibans);
          h.ibans[h.ibanCount++] = i - 2;
        }
      } else if (kind === JOINER) {
        // Phone numbers may start with '+' or '('; the other joiners only continue a cluster.
        if (clusterStart === -1 && (c === 0x2b || c === 0x28)) clusterStart = i;
      } else {
        if (kind === FOLDS) return i;
        if (kind === AT && h.at === -1) h.at = i;
        // A flagged letter starts a token (no letter or digit before it) with a secret prefix's first letter.
        if (kind === LETTER && i + 1 < n) pushSecret(h, units, i);
        if (clusterStart !== -1) {
          if (clusterDigits >= MIN_CLUSTER_DIGITS) pushCluster(h, clusterStart, i, clusterDigits);
          clusterStart = -1;
          clusterDigits = 0;
        }
      }
    }
  }
  if (clusterStart !== -1 && clusterDigits >= MIN_CLUSTER_DIGITS) {
    const letter = firstLetter(units, next, n);
    pushCluster(h, clusterStart, letter === -1 ? n : letter, clusterDigits);
  }
  return -1;
}

/** The first ASCII letter in [from, to), or -1. */
function firstLetter(units: Uint16Array, from: number, to: number): number {
  for (let j = from; j < to; j++) if (isAsciiLetter(units[j]!)) return j;
  return -1;
}

/** True when the digit at `i` follows a word of exactly two ASCII letters: an IBAN may start there. */
function twoLetterWordBefore(units: Uint16Array, i: number): boolean {
  return i >= 2 && isAsciiLetter(units[i - 1]!) && isAsciiLetter(units[i - 2]!) && (i === 2 || !isAsciiLetter(units[i - 3]!));
}

function pushSecret(h: Hints, units: Uint16Array, i: number): void {
  const next = units[i + 1]!;
  if (next >= 128 || SECRET_PAIR[(units[i]! << 7) | next] !== 1) return;
  if (h.secretCount === h.secrets.length) h.secrets = grow(h.secrets);
  h.secrets[h.secretCount++] = i;
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
