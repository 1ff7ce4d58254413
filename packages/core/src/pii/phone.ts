// Phone detector: a linear pre-scan finds phone-shaped spans; libphonenumber-js validates only those.
import { findNumbers, type CountryCode } from 'libphonenumber-js/max';
import type { Hints } from './hints.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

/** Longest candidate handed to libphonenumber: E.164 numbers have at most 15 digits. */
const MAX_DIGITS = 15;
const MIN_DIGITS = 7;
const CONTEXT = /(?:phone|tel\b|tel:|telephone|call|mobile|cell|whatsapp|fax|sms|text me|contact|reach me|ring|☎|📞)/;
const CONTEXT_WINDOW = 30;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isPhoneSeparator(c: number): boolean {
  // space, '-', '.', '/'
  return c === 0x20 || c === 0x2d || c === 0x2e || c === 0x2f;
}

/** Digits glued to these are part of some other token (hex, identifiers, amounts, paths). */
function isBlockingNeighbour(c: number): boolean {
  return isLetterCode(c) || c === 0x5f || c === 0x23 || c === 0x24 || c === 0x40 || c === 0x25 || c === 0x26 || c === 0xa3 || c === 0x20ac || c === 0xa5;
}

/** What comes before a span makes it part of a bigger token: `INV-2024…`, `10:30…`, `a.b.4155…`. */
function blockedBefore(text: string, start: number): boolean {
  if (start === 0) return false;
  const c = text.charCodeAt(start - 1);
  if (isBlockingNeighbour(c) || isDigitCode(c)) return true;
  const before = start >= 2 ? text.charCodeAt(start - 2) : 0;
  // `tel:` and `phone=` introduce a number; `10:` or `x=` glued to digits do not.
  if (c === 0x3a || c === 0x3d) return isDigitCode(before);
  if (c === 0x2d || c === 0x2e || c === 0x2f || c === 0x5f) return isLetterCode(before) || isDigitCode(before);
  return false;
}

function blockedAfter(text: string, end: number): boolean {
  if (end >= text.length) return false;
  const c = text.charCodeAt(end);
  if (isBlockingNeighbour(c) || c === 0x3a) return true;
  const next = text.charCodeAt(end + 1);
  return (c === 0x2d || c === 0x2e || c === 0x2f || c === 0x5f) && (isDigitCode(next) || isLetterCode(next));
}

/** Shapes that libphonenumber may accept for some region but that are really something else. */
const NOT_PHONE = [
  /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/, // ISO-ish date
  /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/, // day/month/year
  /^\d{5}-\d{4}$/, // ZIP+4
  /^\d{3}[-. ]\d{2}[-. ]\d{4}/, // SSN shape, or an id starting like one
  /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, // IPv4
  /^\d{1,2}\.\d{1,3}\.\d{1,5}$/, // version string
  /^\d+[.]\d{1,2}$/, // decimal number or amount
];

/**
 * Candidate spans: a digit, '+' or '(' starts a run of digits, parentheses and single separators
 * (space, '-', '.', '/'); the run ends at anything else. Runs with fewer than 7 or more than 17
 * digits are skipped without calling libphonenumber, so its cost is paid only on plausible spans.
 */
export function createPhoneDetector(action: PiiAction, regions: readonly CountryCode[]): Detector {
  return {
    name: 'phone',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      const { clusters, clusterCount } = hints;
      for (let k = 0; k < clusterCount * 3; k += 3) {
        if (clusters[k + 2]! >= MIN_DIGITS) scanCluster(text, clusters[k]!, clusters[k + 1]!, regions, out, hints);
      }
    },
  };
}

/** Runs end at the cluster's end (a character no run contains), so cluster by cluster equals a full scan. */
function scanCluster(text: string, from: number, n: number, regions: readonly CountryCode[], out: PiiFinding[], hints: Hints): void {
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    const startsPlus = c === 0x2b && isDigitCode(next);
    const startsParen = c === 0x28 && isDigitCode(next);
    if (!isDigitCode(c) && !startsPlus && !startsParen) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    let seps = 0;
    let lastDigit = i;
    i++;
    if (isDigitCode(c)) digits = 1;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (isDigitCode(d)) {
        digits++;
        seps = 0;
        lastDigit = i;
      } else if (d === 0x28 || d === 0x29) {
        // Parentheses go around area codes: "(415) 555", "+1 (415)"; they do not count as gaps.
      } else if (isPhoneSeparator(d) && seps < 1) {
        seps++;
      } else {
        break;
      }
      i++;
    }
    const end = lastDigit + 1;
    if (digits < MIN_DIGITS || digits > MAX_DIGITS) continue;
    if (blockedBefore(text, start) || blockedAfter(text, end)) continue;
    const candidate = text.slice(start, end);
    if (notPhone(candidate)) continue;
    const international = candidate.charCodeAt(0) === 0x2b;
    if (!international && !hasSeparator(candidate) && !hasContext(text, start)) continue;
    const match = validateWithin(candidate, international, regions, hints);
    if (match === OVER_BUDGET) out.push({ detector: 'phone', start, end });
    else if (match !== NO_MATCH) out.push({ detector: 'phone', start: start + (match >> 10), end: start + (match & 1023) });
  }
}

const NO_MATCH = -1;
const OVER_BUDGET = -2;

/**
 * The match span packed as start << 10 | end (candidates are far shorter than 1024), NO_MATCH, or
 * OVER_BUDGET when the call's libphonenumber budget ran out: the candidate then counts as a phone
 * number (fail closed) and the call is flagged, so inspect() routes the request direct.
 */
function validateWithin(candidate: string, international: boolean, regions: readonly CountryCode[], hints: Hints): number {
  const memo = (hints.phoneMemo ??= new Map());
  const known = memo.get(candidate);
  if (known !== undefined) return known;
  const calls = international ? 1 : regions.length;
  if (hints.phoneChecks < calls) {
    hints.exhausted = true;
    return OVER_BUDGET;
  }
  hints.phoneChecks -= calls;
  const match = validate(candidate, international, regions);
  const packed = match ? (match[0] << 10) | match[1] : NO_MATCH;
  memo.set(candidate, packed);
  return packed;
}

function notPhone(candidate: string): boolean {
  for (const re of NOT_PHONE) if (re.test(candidate)) return true;
  return false;
}

function hasSeparator(candidate: string): boolean {
  for (let k = 0; k < candidate.length; k++) if (!isDigitCode(candidate.charCodeAt(k))) return true;
  return false;
}

function hasContext(text: string, start: number): boolean {
  return CONTEXT.test(text.slice(Math.max(0, start - CONTEXT_WINDOW), start).toLowerCase());
}

function validate(candidate: string, international: boolean, regions: readonly CountryCode[]): [number, number] | undefined {
  // libphonenumber throws and catches ParseErrors internally; capturing (and source-mapping) their
  // stacks dominated its cost, so stacks are off for the duration of this synchronous call.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return validateWith(candidate, international, regions);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function validateWith(candidate: string, international: boolean, regions: readonly CountryCode[]): [number, number] | undefined {
  const tries: ReadonlyArray<CountryCode | undefined> = international ? [undefined] : regions;
  for (const region of tries) {
    // `leniency` is supported at run time but missing from the published typings.
    const options = { defaultCountry: region, leniency: 'VALID', v2: true } as { defaultCountry?: CountryCode; v2: true };
    const found = findNumbers(candidate, options);
    const first = found[0];
    // Only a match covering (nearly) all the candidate's digits counts: a valid number hiding inside
    // a longer digit string is more likely an id than a phone number.
    if (first && digitCount(candidate, 0, first.startsAt) + digitCount(candidate, first.endsAt, candidate.length) === 0) {
      return [first.startsAt, first.endsAt];
    }
  }
  return undefined;
}

function digitCount(s: string, from: number, to: number): number {
  let k = 0;
  for (let j = from; j < to; j++) if (isDigitCode(s.charCodeAt(j))) k++;
  return k;
}
