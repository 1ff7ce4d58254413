// Strict, allocation-free IP address parsing and canonical formatting for the trust walk and allowlists.

/** Result kinds of a span parse: not an address, IPv4, IPv6. */
export const INVALID = 0;
export const IPV4 = 4;
export const IPV6 = 6;
export type AddressKind = typeof INVALID | typeof IPV4 | typeof IPV6;

/**
 * Output of the most recent `parseSpan`: IPv4 in word 0, IPv6 as four big-endian 32-bit words.
 * One shared buffer keeps the hot path free of allocations; JavaScript runs one parse at a time,
 * so a caller only has to read it before the next parse (or before calling user code).
 */
export const parsedWords = new Uint32Array(4);
const groups = new Uint16Array(8);

// Longest textual forms: 15 for IPv4, 45 for IPv6 with an embedded IPv4 tail.
const MAX_V4 = 15;
const MAX_V6 = 45;

/** Canonical dotted quad only: four decimal parts 0-255, no leading zeros, nothing else. */
export function parseV4(text: string, start: number, end: number): number {
  if (end - start < 7 || end - start > MAX_V4) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // A second digit after a lone "0" is an octal-looking form (010.0.0.1): refuse it.
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** RFC 4291 text form without zone id, brackets or port; fills `groups`. */
function parseV6(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 2 || length > MAX_V6) return false;
  let n = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  if (i < end) {
    for (;;) {
      const groupStart = i;
      let value = 0;
      let digits = 0;
      while (i < end) {
        const c = text.charCodeAt(i);
        let d: number;
        if (c >= 48 && c <= 57) d = c - 48;
        else if (c >= 97 && c <= 102) d = c - 87;
        else if (c >= 65 && c <= 70) d = c - 55;
        else break;
        value = value * 16 + d;
        digits++;
        i++;
      }
      if (i < end && text.charCodeAt(i) === 46) {
        // Embedded IPv4 tail: only as the last 32 bits, and as strict as a bare IPv4.
        if (n > 6) return false;
        const v4 = parseV4(text, groupStart, end);
        if (v4 < 0) return false;
        groups[n++] = Math.floor(v4 / 65536);
        groups[n++] = v4 & 0xffff;
        break;
      }
      if (digits === 0 || digits > 4 || n === 8) return false;
      groups[n++] = value;
      if (i === end) break;
      if (text.charCodeAt(i) !== 58) return false;
      i++;
      if (i < end && text.charCodeAt(i) === 58) {
        if (gap >= 0) return false;
        gap = n;
        i++;
        if (i === end) break;
      } else if (i === end) {
        return false;
      }
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  const tail = n - gap;
  for (let k = tail - 1; k >= 0; k--) groups[8 - tail + k] = groups[gap + k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/**
 * Parses `text[start, end)` strictly into `parsedWords`. With `normaliseMapped` (the default),
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as IPv4.
 */
export function parseSpan(text: string, start: number, end: number, normaliseMapped = true): AddressKind {
  const v4 = parseV4(text, start, end);
  if (v4 >= 0) {
    parsedWords[0] = v4;
    return IPV4;
  }
  if (!parseV6(text, start, end)) return INVALID;
  const w0 = (groups[0]! << 16) | groups[1]!;
  const w1 = (groups[2]! << 16) | groups[3]!;
  const w2 = (groups[4]! << 16) | groups[5]!;
  const w3 = (groups[6]! << 16) | groups[7]!;
  if (normaliseMapped && w0 === 0 && w1 === 0 && w2 === 0xffff) {
    parsedWords[0] = w3;
    return IPV4;
  }
  parsedWords[0] = w0;
  parsedWords[1] = w1;
  parsedWords[2] = w2;
  parsedWords[3] = w3;
  return IPV6;
}

/** True when the last IPv6 parse (without normalisation) is in ::ffff:0:0/96. */
export function parsedIsMapped(): boolean {
  return parsedWords[0] === 0 && parsedWords[1] === 0 && parsedWords[2] === 0xffff;
}

/** Dotted-quad text of a 32-bit value. */
export function formatV4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text (lower case, longest run of two or more zero groups compressed, first on ties). */
export function formatV6(words: ArrayLike<number>): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[k]! >>> 0;
    g.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k > bestLength) {
      bestStart = k;
      bestLength = j - k;
    }
    k = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLength).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Canonical text of what the last `parseSpan` produced. */
export function formatParsed(kind: AddressKind): string | null {
  if (kind === IPV4) return formatV4(parsedWords[0]!);
  if (kind === IPV6) return formatV6(parsedWords);
  return null;
}

/**
 * Strict parse: only canonical dotted-quad IPv4 (no leading zeros, no 127.1 / 0x7f.1 /
 * 017700000001 / 2130706433 / 010.0.0.1) and valid IPv6 (no zone ids, no brackets, no ports, no
 * whitespace). IPv4-mapped IPv6 (::ffff:a.b.c.d, ::ffff:7f00:1) is normalised to IPv4. Returns
 * the canonical string (IPv4 dotted; IPv6 RFC 5952 lower-case compressed) or null.
 */
export function parseIp(text: string): string | null {
  if (typeof text !== 'string') return null;
  return formatParsed(parseSpan(text, 0, text.length));
}
