// RFC 7239 `Forwarded` header parser: a single left-to-right scan, no regular expressions.

/** The parameters of one forwarded-element the trust walk needs. */
export interface ForwardedElement {
  /** Unquoted `for=` value, undefined when the element has none. */
  for: string | undefined;
  /** Unquoted `proto=` value, undefined when the element has none. */
  proto: string | undefined;
}

// RFC 7230 tchar: ALPHA / DIGIT / "!#$%&'*+-.^_`|~".
const TCHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

const isTchar = (c: number): boolean => c < 128 && TCHAR[c] === 1;
const isOws = (c: number): boolean => c === 32 || c === 9;

/**
 * Parses every instance of the header (in order) into its elements, left to right. Returns null
 * when any instance is not valid RFC 7239 syntax (unterminated quotes, stray characters, duplicate
 * parameters, unquoted values that need quoting such as `for=1.2.3.4:80` or `for=[::1]`), so the
 * caller can fail closed. An empty element (`a, , b`) is kept as an element without parameters.
 */
export function parseForwarded(values: string | readonly string[]): ForwardedElement[] | null {
  const out: ForwardedElement[] = [];
  const list = typeof values === 'string' ? [values] : values;
  for (const value of list) {
    if (typeof value !== 'string' || !parseOne(value, out)) return null;
  }
  return out;
}

function parseOne(s: string, out: ForwardedElement[]): boolean {
  const n = s.length;
  let i = 0;
  for (;;) {
    const element: ForwardedElement = { for: undefined, proto: undefined };
    const seen = new Set<string>();
    while (i < n && isOws(s.charCodeAt(i))) i++;
    for (;;) {
      const nameStart = i;
      while (i < n && isTchar(s.charCodeAt(i))) i++;
      if (i === nameStart) {
        // RFC 7239 allows empty pairs (";;"); anything else here ends the element.
        if (i < n && s.charCodeAt(i) === 59) {
          i++;
          while (i < n && isOws(s.charCodeAt(i))) i++;
          continue;
        }
        break;
      }
      const name = s.slice(nameStart, i).toLowerCase();
      if (i >= n || s.charCodeAt(i) !== 61) return false;
      i++;
      let value: string;
      if (i < n && s.charCodeAt(i) === 34) {
        i++;
        value = '';
        let closed = false;
        while (i < n) {
          const c = s.charCodeAt(i);
          if (c === 34) {
            closed = true;
            i++;
            break;
          }
          if (c === 92) {
            i++;
            if (i >= n) return false;
            const escaped = s.charCodeAt(i);
            if (escaped !== 9 && (escaped < 32 || escaped === 127)) return false;
            value += s[i];
            i++;
            continue;
          }
          if (c !== 9 && (c < 32 || c === 127)) return false;
          value += s[i];
          i++;
        }
        if (!closed) return false;
      } else {
        const valueStart = i;
        while (i < n && isTchar(s.charCodeAt(i))) i++;
        if (i === valueStart) return false;
        value = s.slice(valueStart, i);
      }
      if (seen.has(name)) return false;
      seen.add(name);
      if (name === 'for') element.for = value;
      else if (name === 'proto') element.proto = value;
      while (i < n && isOws(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 59) {
        i++;
        while (i < n && isOws(s.charCodeAt(i))) i++;
        continue;
      }
      break;
    }
    while (i < n && isOws(s.charCodeAt(i))) i++;
    out.push(element);
    if (i === n) return true;
    if (s.charCodeAt(i) !== 44) return false;
    i++;
  }
}

/**
 * The address text of a `for=` node (RFC 7239 §6): `192.0.2.43`, `"192.0.2.43:47011"`,
 * `"[2001:db8::1]"`, `"[2001:db8::1]:4711"`. Returns the bare address (still to be parsed
 * strictly), or null for `unknown`, obfuscated identifiers (`_hidden`), an IPv6 address without
 * brackets, or a bad port.
 */
export function forwardedNodeAddress(node: string): string | null {
  let address: string;
  let rest: string;
  if (node.charCodeAt(0) === 91) {
    const close = node.indexOf(']');
    if (close < 0) return null;
    address = node.slice(1, close);
    // Brackets are for IPv6 only; an IPv4 address never contains a colon.
    if (!address.includes(':')) return null;
    rest = node.slice(close + 1);
  } else {
    const colon = node.indexOf(':');
    address = colon < 0 ? node : node.slice(0, colon);
    rest = colon < 0 ? '' : node.slice(colon);
  }
  if (rest.length > 0 && !(rest.charCodeAt(0) === 58 && validPort(rest.slice(1)))) return null;
  return address;
}

/** node-port = 1*5DIGIT (≤ 65535) / obfport ("_" 1*(ALPHA / DIGIT / "." / "_" / "-")). */
function validPort(port: string): boolean {
  if (port.length === 0) return false;
  if (port.charCodeAt(0) === 95) {
    if (port.length === 1) return false;
    for (let i = 1; i < port.length; i++) {
      const c = port.charCodeAt(i);
      const ok =
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 45;
      if (!ok) return false;
    }
    return true;
  }
  if (port.length > 5) return false;
  let value = 0;
  for (let i = 0; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    value = value * 10 + (c - 48);
  }
  return value <= 65535;
}
