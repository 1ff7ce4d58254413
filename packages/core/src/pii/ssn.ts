// US Social Security number detector: ddd-dd-dddd with one separator, or 9 bare digits after a context word.
import type { Hints } from './hints.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

/** Numbers published in advertising or used as examples; never issued to a person. */
const KNOWN_FAKE = new Set(['078051120', '219099999', '123456789']);
const CONTEXT = /\b(?:ssn|ssns|social security|soc\.? ?sec|ss#|ss no)/;
const CONTEXT_WINDOW = 30;

/** Area, group and serial rules of the SSA (post-2011 randomisation keeps these exclusions). */
export function ssnValid(digits: string): boolean {
  if (digits.length !== 9 || KNOWN_FAKE.has(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

/** Walks the digit runs of each hinted cluster once; context is read only for a valid bare 9-digit run. */
export function createSsnDetector(action: PiiAction): Detector {
  return {
    name: 'ssn',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      const { clusters, clusterCount } = hints;
      for (let k = 0; k < clusterCount * 3; k += 3) {
        if (clusters[k + 2]! >= 9) scanCluster(text, clusters[k]!, clusters[k + 1]!, out);
      }
    },
  };
}

function scanCluster(text: string, from: number, n: number, out: PiiFinding[]): void {
  let i = from;
  while (i < n) {
    if (!isDigitCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isDigitCode(text.charCodeAt(i))) i++;
    const len = i - start;
    if (len !== 9 && len !== 3) continue;
    if (!cleanBefore(text, start)) continue;
    if (len === 9) {
      if (cleanAfter(text, i) && ssnValid(text.slice(start, i)) && hasContext(text, start)) {
        out.push({ detector: 'ssn', start, end: i });
      }
      continue;
    }
    const sep = text.charCodeAt(i);
    if (sep !== 0x2d && sep !== 0x2e && sep !== 0x20) continue;
    if (!digitsAt(text, i + 1, 2) || text.charCodeAt(i + 3) !== sep || !digitsAt(text, i + 4, 4)) continue;
    const end = i + 8;
    if (!cleanAfter(text, end)) continue;
    const digits = text.slice(start, i) + text.slice(i + 1, i + 3) + text.slice(i + 4, end);
    if (ssnValid(digits)) {
      out.push({ detector: 'ssn', start, end });
      i = end;
    }
  }
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function digitsAt(text: string, at: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (!isDigitCode(text.charCodeAt(at + k))) return false;
  return true;
}

/** Not glued to letters, digits, or a separator-joined number (part of something longer). */
function cleanBefore(text: string, start: number): boolean {
  if (start === 0) return true;
  const c = text.charCodeAt(start - 1);
  if (isDigitCode(c) || isLetterCode(c) || c === 0x5f) return false;
  if ((c === 0x2d || c === 0x2e || c === 0x2f) && start >= 2 && isDigitCode(text.charCodeAt(start - 2))) return false;
  return true;
}

function cleanAfter(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  if (isDigitCode(c) || isLetterCode(c) || c === 0x5f) return false;
  if ((c === 0x2d || c === 0x2e || c === 0x2f) && isDigitCode(text.charCodeAt(end + 1))) return false;
  return true;
}

function hasContext(text: string, start: number): boolean {
  return CONTEXT.test(text.slice(Math.max(0, start - CONTEXT_WINDOW), start).toLowerCase());
}
