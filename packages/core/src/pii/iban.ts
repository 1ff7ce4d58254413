// IBAN detector: country code + check digits at a word start, then per-country length and mod-97 via ibantools.
import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { isAsciiAlnum, isAsciiLetter, isDigit } from './fold.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

const LENGTHS = new Map<string, number>();
for (const [code, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars && spec.bban_regexp) LENGTHS.set(code, spec.chars);
}

/**
 * A candidate starts at two letters and two digits not preceded by a letter or digit. Up to the
 * country's length in letters/digits is collected, single spaces allowed between them; the IBAN must
 * then end at a word boundary. Work per start is bounded by 34 + spaces, and starts are word starts.
 */
export function createIbanDetector(action: PiiAction): Detector {
  return {
    name: 'iban',
    action,
    find(text: string, _original: string, out: PiiFinding[]): void {
      const n = text.length;
      let i = 0;
      while (i + 4 <= n) {
        const c = text.charCodeAt(i);
        if (!isAsciiLetter(c) || (i > 0 && isAsciiAlnum(text.charCodeAt(i - 1)))) {
          i++;
          continue;
        }
        const end = matchAt(text, i);
        if (end > 0) {
          out.push({ detector: 'iban', start: i, end });
          i = end;
        } else {
          i++;
        }
      }
    },
  };
}

function matchAt(text: string, start: number): number {
  if (!isAsciiLetter(text.charCodeAt(start + 1)) || !isDigit(text.charCodeAt(start + 2)) || !isDigit(text.charCodeAt(start + 3))) return -1;
  const length = LENGTHS.get(text.slice(start, start + 2).toUpperCase());
  if (length === undefined) return -1;
  let compact = '';
  let i = start;
  const n = text.length;
  while (i < n && compact.length < length) {
    const c = text.charCodeAt(i);
    if (isAsciiAlnum(c)) {
      compact += text[i];
      i++;
    } else if (c === 0x20 && compact.length >= 4 && i + 1 < n && isAsciiAlnum(text.charCodeAt(i + 1))) {
      i++;
    } else {
      break;
    }
  }
  if (compact.length !== length) return -1;
  if (i < n && isAsciiAlnum(text.charCodeAt(i))) return -1;
  return isValidIBAN(compact.toUpperCase()) ? i : -1;
}
