// Credit card detector: digit groups joined by single spaces or dashes, issuer prefix, length, Luhn.
import { isDigit } from './fold.js';
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

interface Group {
  start: number;
  end: number;
}

/**
 * Splits the text into runs of digit groups joined by exactly one space or dash, then tries every
 * window of whole groups holding 13–19 digits. A window holds at most 19 groups, so the work per
 * group is bounded and the scan stays linear. Digits glued to a longer digit run never match.
 */
export function createCreditCardDetector(action: PiiAction): Detector {
  return {
    name: 'credit_card',
    action,
    find(text: string, _original: string, out: PiiFinding[]): void {
      const n = text.length;
      let i = 0;
      const groups: Group[] = [];
      while (i < n) {
        if (!isDigit(text.charCodeAt(i))) {
          i++;
          continue;
        }
        groups.length = 0;
        // Collect one run of groups.
        for (;;) {
          const start = i;
          while (i < n && isDigit(text.charCodeAt(i))) i++;
          groups.push({ start, end: i });
          const sep = text.charCodeAt(i);
          if ((sep === 0x20 || sep === 0x2d) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
            i++;
            continue;
          }
          break;
        }
        scanRun(text, groups, out);
      }
    },
  };
}

function scanRun(text: string, groups: Group[], out: PiiFinding[]): void {
  let g = 0;
  while (g < groups.length) {
    const first = groups[g]!;
    const lead = text.charCodeAt(first.start);
    // Issuers start with 2–6; a card's first group has at least two digits (no "4 1 1 1 …" lists).
    if (lead < 50 || lead > 54 || first.end - first.start < 2) {
      g++;
      continue;
    }
    let digits = '';
    let found = -1;
    for (let h = g; h < groups.length; h++) {
      const grp = groups[h]!;
      digits += text.slice(grp.start, grp.end);
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhnValid(digits) && hasIssuerPrefix(digits)) found = h;
    }
    if (found >= 0) {
      out.push({ detector: 'credit_card', start: first.start, end: groups[found]!.end });
      g = found + 1;
    } else {
      g++;
    }
  }
}
