// Email detector: from each '@', bounded expansion left (local part) and right (domain), then TLD checks.
import { isUnicodeWordChar } from './fold.js';
import type { Hints } from './hints.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
/** File extensions that look like TLDs in `icon@2x.png`; none is a real TLD. */
const FILE_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'tif', 'tiff', 'heic']);

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || isAsciiLetter(c);
}

function isLocalChar(c: number): boolean {
  // Dot-atom characters people actually use, plus any-script letters for internationalised local parts.
  return isAsciiAlnum(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d || c === 0x27 || (c >= 0x80 && isUnicodeWordChar(c));
}

function isDomainChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 0x2d || (c >= 0x80 && isUnicodeWordChar(c));
}

/**
 * Each '@' is looked at once; the left walk stops at MAX_LOCAL + 1 characters and the right walk at
 * MAX_DOMAIN + 1, so the scan costs at most ~320 steps per '@' whatever the input, with no
 * backtracking. An over-long run on either side is not an address.
 */
export function createEmailDetector(action: PiiAction): Detector {
  return {
    name: 'email',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      let lastEnd = 0;
      for (let at = hints.at; at !== -1; at = text.indexOf('@', at + 1)) {
        if (at < lastEnd) continue;
        // matchAt() needs a local-part character before the '@' and a domain character after it.
        if (at === lastEnd || !isLocalChar(text.charCodeAt(at - 1)) || !isDomainChar(text.charCodeAt(at + 1))) continue;
        const found = matchAt(text, at, lastEnd);
        if (found) {
          out.push({ detector: 'email', start: found[0], end: found[1] });
          lastEnd = found[1];
        }
      }
    },
  };
}

function matchAt(text: string, at: number, floor: number): [number, number] | undefined {
  // Local part.
  let s = at;
  while (s > floor && at - s <= MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) s--;
  if (at - s > MAX_LOCAL) return undefined;
  // Leading punctuation belongs to the surrounding text (quotes, list dashes), not the address.
  while (s < at) {
    const c = text.charCodeAt(s);
    if (c === 0x2e || c === 0x2d || c === 0x2b || c === 0x27 || c === 0x5f || c === 0x25) s++;
    else break;
  }
  if (s === at || text.charCodeAt(at - 1) === 0x2e) return undefined;

  // Domain: labels separated by single dots.
  const n = text.length;
  let e = at + 1;
  let lastLabelStart = e;
  let labels = 0;
  for (;;) {
    const labelStart = e;
    while (e < n && e - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(e))) e++;
    if (e - at > MAX_DOMAIN) return undefined;
    if (e === labelStart) {
      // Empty label: the address ended at the dot before it.
      if (labels > 0) e = labelStart - 1;
      break;
    }
    if (!labelOk(text, labelStart, e)) {
      // A bad label after a dot ends the domain before it (e.g. trailing "-").
      if (labels === 0) return undefined;
      e = labelStart - 1;
      break;
    }
    labels++;
    lastLabelStart = labelStart;
    if (text.charCodeAt(e) === 0x2e && e + 1 < n && isDomainChar(text.charCodeAt(e + 1))) {
      e++;
      continue;
    }
    break;
  }
  if (labels < 2) return undefined;
  // Recompute the TLD as the last accepted label.
  let tldStart = lastLabelStart;
  if (tldStart > e) {
    // The last label was dropped; find the previous one.
    tldStart = text.lastIndexOf('.', e - 1) + 1;
    if (tldStart <= at) return undefined;
  }
  // A one-letter TLD fails tldOk() in any case; checked before slicing so '@'-dense input allocates nothing.
  if (e - tldStart < 2) return undefined;
  const tld = text.slice(tldStart, e).toLowerCase();
  if (!tldOk(tld)) return undefined;
  if (FILE_TLDS.has(tld)) return undefined;
  return [s, e];
}

function labelOk(text: string, start: number, end: number): boolean {
  if (end - start > 63) return false;
  return text.charCodeAt(start) !== 0x2d && text.charCodeAt(end - 1) !== 0x2d;
}

function tldOk(tld: string): boolean {
  if (tld.startsWith('xn--')) return tld.length > 4;
  if (tld.length < 2) return false;
  for (let i = 0; i < tld.length; i++) {
    const c = tld.charCodeAt(i);
    if (c < 0x80 ? !isAsciiLetter(c) : !isUnicodeWordChar(c)) return false;
  }
  return true;
}
