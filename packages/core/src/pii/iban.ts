// IBAN detector: country code + check digits at a word start, then per-country length and mod-97 via ibantools.
import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import type { Hints } from './hints.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

const LENGTHS = new Map<string, number>();
for (const [code, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars && spec.bban_regexp) LENGTHS.set(code, spec.chars);
}

/**
 * A candidate starts at two letters and two digits not preceded by a letter or digit (the pre-pass
 * hints every "two letters then a digit"). Up to the country's length in letters/digits is walked,
 * single spaces allowed between them; the IBAN must then end at a word boundary. Work per start is
 * bounded by 34 + spaces, and the compact string is built only for a candidate that fits.
 */
export function createIbanDetector(action: PiiAction): Detector {
  return {
    name: 'iban',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      const { ibans, ibanCount } = hints;
      let lastEnd = 0;
      for (let k = 0; k < ibanCount; k++) {
        const start = ibans[k]!;
        if (start < lastEnd) continue;
        const end = matchAt(text, start);
        if (end > 0) {
          out.push({ detector: 'iban', start, end });
          lastEnd = end;
        }
      }
    },
  };
}

function matchAt(text: string, start: number): number {
  const n = text.length;
  if (start + 4 > n) return -1;
  if (!isLetterCode(text.charCodeAt(start)) || (start > 0 && isAlnumCode(text.charCodeAt(start - 1)))) return -1;
  if (!isLetterCode(text.charCodeAt(start + 1)) || !isDigitCode(text.charCodeAt(start + 2)) || !isDigitCode(text.charCodeAt(start + 3))) return -1;
  const length = LENGTHS.get(text.slice(start, start + 2).toUpperCase());
  if (length === undefined) return -1;
  let count = 0;
  let spaces = 0;
  let i = start;
  while (i < n && count < length) {
    const c = text.charCodeAt(i);
    if (isAlnumCode(c)) {
      count++;
      i++;
    } else if (c === 0x20 && count >= 4 && i + 1 < n && isAlnumCode(text.charCodeAt(i + 1))) {
      spaces++;
      i++;
    } else {
      break;
    }
  }
  if (count !== length) return -1;
  if (i < n && isAlnumCode(text.charCodeAt(i))) return -1;
  const span = text.slice(start, i);
  const compact = spaces === 0 ? span : span.replaceAll(' ', '');
  return isValidIBAN(compact.toUpperCase()) ? i : -1;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}
