// Credit card detector: digit groups joined by short runs of separators, issuer prefix, length, Luhn.
import type { Hints } from './hints.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

interface Issuer {
  /** Prefix range, inclusive, compared on the first `digits` digits. */
  low: number;
  high: number;
  digits: number;
  minLength: number;
  maxLength: number;
}

const ISSUERS: Issuer[] = [
  { low: 4, high: 4, digits: 1, minLength: 13, maxLength: 19 }, // Visa (13, 16, 19 in practice)
  { low: 51, high: 55, digits: 2, minLength: 16, maxLength: 16 }, // Mastercard
  { low: 2221, high: 2720, digits: 4, minLength: 16, maxLength: 16 }, // Mastercard 2-series
  { low: 34, high: 34, digits: 2, minLength: 15, maxLength: 15 }, // Amex
  { low: 37, high: 37, digits: 2, minLength: 15, maxLength: 15 },
  { low: 6011, high: 6011, digits: 4, minLength: 16, maxLength: 19 }, // Discover
  { low: 644, high: 649, digits: 3, minLength: 16, maxLength: 19 },
  { low: 65, high: 65, digits: 2, minLength: 16, maxLength: 19 },
  { low: 3528, high: 3589, digits: 4, minLength: 16, maxLength: 19 }, // JCB
  { low: 300, high: 305, digits: 3, minLength: 14, maxLength: 19 }, // Diners Club
  { low: 3095, high: 3095, digits: 4, minLength: 14, maxLength: 19 },
  { low: 36, high: 36, digits: 2, minLength: 14, maxLength: 19 },
  { low: 38, high: 39, digits: 2, minLength: 16, maxLength: 19 },
  { low: 62, high: 62, digits: 2, minLength: 16, maxLength: 19 }, // UnionPay
  { low: 2200, high: 2204, digits: 4, minLength: 16, maxLength: 19 }, // Mir
  { low: 50, high: 50, digits: 2, minLength: 13, maxLength: 19 }, // Maestro
  { low: 56, high: 58, digits: 2, minLength: 13, maxLength: 19 },
  { low: 63, high: 63, digits: 2, minLength: 13, maxLength: 19 },
  { low: 67, high: 67, digits: 2, minLength: 13, maxLength: 19 },
];

/** True when the digit string has a known issuer prefix and a length that issuer uses. */
export function hasIssuerPrefix(digits: string): boolean {
  const len = digits.length;
  for (const issuer of ISSUERS) {
    if (len < issuer.minLength || len > issuer.maxLength) continue;
    const prefix = Number(digits.slice(0, issuer.digits));
    if (prefix >= issuer.low && prefix <= issuer.high) return true;
  }
  return false;
}

/** Luhn mod-10 over ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Digits of the window being tried (at most 19), reused: the scan allocates nothing per candidate. */
const window = new Uint8Array(20);

/**
 * Walks each hinted cluster once. At every group start (a digit after a non-digit) whose lead is an
 * issuer digit, it follows groups joined by 1–3 separators (space, '-', '.', '/', '_': people and
 * evaders write `4111.1111.1111.1111`, `4111  1111 …`) for at most 19 digits and keeps the longest
 * window of whole groups with 13–19 digits, a known issuer and a valid Luhn sum. Work per group is
 * bounded by ~80 characters, so the scan is linear. Digits glued to a longer digit run never match.
 */
export function createCreditCardDetector(action: PiiAction): Detector {
  return {
    name: 'credit_card',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      const { clusters, clusterCount } = hints;
      // Cards have at least 13 digits.
      for (let k = 0; k < clusterCount * 3; k += 3) {
        if (clusters[k + 2]! >= 13) scanCluster(text, clusters[k]!, clusters[k + 1]!, out);
      }
    },
  };
}

function scanCluster(text: string, from: number, to: number, out: PiiFinding[]): void {
  let i = from;
  while (i < to) {
    const lead = text.charCodeAt(i);
    if (lead < 48 || lead > 57) {
      i++;
      continue;
    }
    // Issuers start with 2–6; a card's first group has at least two digits (no "4 1 1 1 …" lists).
    const second = text.charCodeAt(i + 1);
    if (lead >= 50 && lead <= 54 && second >= 48 && second <= 57) {
      const end = matchAt(text, i, to);
      if (end > 0) {
        out.push({ detector: 'credit_card', start: i, end });
        i = end;
        continue;
      }
    }
    // Next group: skip the rest of this one.
    i++;
    while (i < to && isDigitCode(text.charCodeAt(i))) i++;
  }
}

/** End of the longest valid card window starting at the group at `start`, or -1. */
function matchAt(text: string, start: number, to: number): number {
  let count = 0;
  let found = -1;
  // Luhn sums for both parities: digit k is doubled when its distance from the last digit is odd.
  let evenDoubled = 0;
  let oddDoubled = 0;
  let i = start;
  for (;;) {
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (count === 19) return found;
      const d = c - 48;
      const twice = d * 2 > 9 ? d * 2 - 9 : d * 2;
      if ((count & 1) === 0) {
        evenDoubled += twice;
        oddDoubled += d;
      } else {
        evenDoubled += d;
        oddDoubled += twice;
      }
      window[count++] = d;
      i++;
    }
    if (count >= 13) {
      // With `count` digits the last one has index count-1; doubled digits are those of the other parity.
      const sum = (count & 1) === 1 ? oddDoubled : evenDoubled;
      if (sum % 10 === 0 && issuerMatches(count)) found = i;
    }
    let next = i;
    while (next < to && next - i < MAX_SEPARATORS && isSeparator(text.charCodeAt(next))) next++;
    if (next > i && next < to && isDigitCode(text.charCodeAt(next))) {
      i = next;
      continue;
    }
    return found;
  }
}

function issuerMatches(len: number): boolean {
  const p1 = window[0]!;
  const p2 = p1 * 10 + window[1]!;
  const p3 = p2 * 10 + window[2]!;
  const p4 = p3 * 10 + window[3]!;
  for (const issuer of ISSUERS) {
    if (len < issuer.minLength || len > issuer.maxLength) continue;
    const prefix = issuer.digits === 1 ? p1 : issuer.digits === 2 ? p2 : issuer.digits === 3 ? p3 : p4;
    if (prefix >= issuer.low && prefix <= issuer.high) return true;
  }
  return false;
}

/** Longest run of separators between two groups. */
const MAX_SEPARATORS = 3;

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x2d || c === 0x2e || c === 0x2f || c === 0x5f;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}
