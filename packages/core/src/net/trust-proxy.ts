// Trusted-proxy rule (Express `trust proxy` grammar) compiled once: client address and HTTPS detection.
import { optionError } from '../errors.js';
import type { HeaderMap } from '../types.js';
import { forwardedNodeAddress, parseForwarded } from './forwarded.js';
import type { ForwardedElement } from './forwarded.js';
import { headerCapReached } from './header-cap.js';
import type { HeaderCount } from './header-cap.js';
import { INVALID, formatParsed, parseSpan } from './ip.js';
import type { AddressKind } from './ip.js';
import { RangeSet, parseCidr } from './ranges.js';
import type { AddressRange } from './ranges.js';

/** Express `trust proxy` grammar. */
export type TrustProxySetting =
  | boolean
  | number
  | string
  | readonly string[]
  | ((address: string, hop: number) => boolean);

export interface ProxyTrustOptions {
  /** Read RFC 7239 `Forwarded` instead of `X-Forwarded-For`/`X-Forwarded-Proto`. Defaults to false. */
  forwarded?: boolean;
}

/** A coded warning about a doubtful but accepted setting. */
export interface NetWarning {
  code: string;
  message: string;
}

export interface ProxyTrust {
  /**
   * Client address: walks the socket address, then the `X-Forwarded-For` entries (all header
   * instances, comma-split) from right to left; the first untrusted hop is the client (when every
   * hop is trusted, the leftmost). Returns null (fail closed) when the socket address is missing
   * or unparseable, or an entry needed for the walk is not a strict address. Header names are
   * read in lower case, as Node delivers them. With `count` (see `headerCountOf`), a request
   * that reached the server's header-count cap is also null when the walk would read headers:
   * Node dropped lines past the cap, and the proxy's own line may be among them.
   */
  clientAddress(remoteAddress: string | undefined, headers: HeaderMap, count?: HeaderCount): string | null;
  /**
   * True for a TLS socket, or when `X-Forwarded-Proto` / `Forwarded: proto=` says https and the
   * immediate peer (socket address) is trusted; several values count only if every one is https.
   * A plain-socket request at the header-count cap (`count`) is never secure by header.
   */
  isSecure(encrypted: boolean, remoteAddress: string | undefined, headers: HeaderMap, count?: HeaderCount): boolean;
  /** Coded warnings found at compile time, e.g. VC_PERMISSIVE_TRUST_PROXY for `true`. */
  readonly warnings: ReadonlyArray<NetWarning>;
}

/** Express / proxy-addr pre-defined names. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const MODE_NONE = 0;
const MODE_ALL = 1;
const MODE_HOPS = 2;
const MODE_LIST = 3;
const MODE_FUNCTION = 4;
type Mode = typeof MODE_NONE | typeof MODE_ALL | typeof MODE_HOPS | typeof MODE_LIST | typeof MODE_FUNCTION;

const HTTPS = 'https';

/**
 * Compiles a `trustProxy` setting once. Grammar = Express `trust proxy`: false (default, trust
 * no proxy: the socket address is the client), true (trust every hop: accepted with the warning
 * VC_PERMISSIVE_TRUST_PROXY, since the leftmost, client-written entry wins), a hop count, a
 * comma-separated string or array of CIDRs / addresses and the names 'loopback', 'linklocal',
 * 'uniquelocal', or a function `(address, hop) => boolean`. So that an environment variable can
 * be passed as is, a string of digits is a hop count and 'true' / 'false' are the booleans.
 * Throws optionError(optionName, …) on anything invalid. `optionName` defaults to 'trustProxy'.
 */
export function compileTrustProxy(
  setting: TrustProxySetting | undefined,
  options: ProxyTrustOptions = {},
  optionName = 'trustProxy',
): ProxyTrust {
  const forwarded = options.forwarded ?? false;
  if (typeof forwarded !== 'boolean') throw optionError(optionName, '`forwarded` must be a boolean');
  let value: unknown = setting;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === 'true') value = true;
    else if (trimmed === 'false') value = false;
    else if (/^[0-9]{1,6}$/.test(trimmed)) value = Number(trimmed);
    else value = trimmed.split(',').map((part) => part.trim());
  }
  if (value === undefined || value === false || value === null) {
    return new CompiledTrust(MODE_NONE, 0, null, null, forwarded, []);
  }
  if (value === true) {
    return new CompiledTrust(MODE_ALL, 0, null, null, forwarded, [
      {
        code: 'VC_PERMISSIVE_TRUST_PROXY',
        message:
          '`' +
          optionName +
          '` is true: every hop is trusted, so the client address is the leftmost forwarded entry, which any client can forge. Set the proxy addresses or a hop count instead.',
      },
    ]);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) {
      throw optionError(optionName, `hop count must be a non-negative integer, got ${value}`);
    }
    if (value === 0) return new CompiledTrust(MODE_NONE, 0, null, null, forwarded, []);
    return new CompiledTrust(MODE_HOPS, value, null, null, forwarded, []);
  }
  if (typeof value === 'function') {
    return new CompiledTrust(MODE_FUNCTION, 0, null, value as (a: string, h: number) => boolean, forwarded, []);
  }
  if (Array.isArray(value)) {
    const ranges: AddressRange[] = [];
    const context = {
      option: optionName,
      everyAddressHint: 'set it to true to trust every proxy (and read the warning), or list your proxies',
    };
    value.forEach((entry: unknown, index: number) => {
      const named = typeof entry === 'string' ? NAMED_RANGES[entry.trim()] : undefined;
      if (named !== undefined) {
        named.forEach((cidr) => ranges.push(parseCidr(cidr, index, context)));
      } else {
        ranges.push(parseCidr(entry, index, context));
      }
    });
    if (ranges.length === 0) return new CompiledTrust(MODE_NONE, 0, null, null, forwarded, []);
    return new CompiledTrust(MODE_LIST, 0, new RangeSet(ranges), null, forwarded, []);
  }
  throw optionError(
    optionName,
    'must be false, true, a hop count, CIDRs / "loopback" / "linklocal" / "uniquelocal" (string or array), or a function',
  );
}

// Result of one hop: TRUSTED, INVALID_HOP, or the client address string.
const TRUSTED = 1;
const INVALID_HOP = 0;

class CompiledTrust implements ProxyTrust {
  constructor(
    private readonly mode: Mode,
    private readonly hops: number,
    private readonly set: RangeSet | null,
    private readonly fn: ((address: string, hop: number) => boolean) | null,
    private readonly forwarded: boolean,
    readonly warnings: ReadonlyArray<NetWarning>,
  ) {}

  /** Parses text[start, end) and decides: INVALID_HOP, TRUSTED, or the untrusted address (the client). */
  private step(text: string, start: number, end: number, hop: number): typeof INVALID_HOP | typeof TRUSTED | string {
    const kind = parseSpan(text, start, end);
    if (kind === INVALID) return INVALID_HOP;
    if (this.mode === MODE_FUNCTION) {
      // Format before calling user code: it may parse addresses itself and overwrite the shared
      // parse buffer (callers re-parse a remembered span after a TRUSTED answer for that reason).
      const address = formatParsed(kind)!;
      return this.fn!(address, hop) === true ? TRUSTED : address;
    }
    if (this.isTrusted(kind, hop)) return TRUSTED;
    return formatParsed(kind)!;
  }

  private isTrusted(kind: AddressKind, hop: number): boolean {
    switch (this.mode) {
      case MODE_ALL:
        return true;
      case MODE_HOPS:
        return hop < this.hops;
      case MODE_LIST:
        return this.set!.hasParsed(kind);
      default:
        return false;
    }
  }

  private canonical(text: string, start: number, end: number): string | null {
    return formatParsed(parseSpan(text, start, end));
  }

  clientAddress(remoteAddress: string | undefined, headers: HeaderMap, count?: HeaderCount): string | null {
    if (typeof remoteAddress !== 'string') return null;
    const first = this.step(remoteAddress, 0, remoteAddress.length, 0);
    if (first === INVALID_HOP) return null;
    if (first !== TRUSTED) return first;
    if (headerCapReached(count)) return null;
    return this.forwarded ? this.walkForwarded(remoteAddress, headers) : this.walkXff(remoteAddress, headers);
  }

  private walkXff(remoteAddress: string, headers: HeaderMap): string | null {
    const header: unknown = headers['x-forwarded-for'];
    let lastText = remoteAddress;
    let lastStart = 0;
    let lastEnd = remoteAddress.length;
    if (header !== undefined) {
      const instances = typeof header === 'string' ? null : Array.isArray(header) ? (header as unknown[]) : undefined;
      if (instances === undefined) return null;
      let hop = 1;
      for (let j = instances === null ? 0 : instances.length - 1; j >= 0; j--) {
        const text: unknown = instances === null ? header : instances[j];
        if (typeof text !== 'string') return null;
        let end = text.length;
        for (let i = text.length - 1; i >= -1; i--) {
          if (i >= 0 && text.charCodeAt(i) !== 44) continue;
          let a = i + 1;
          let b = end;
          while (a < b && text.charCodeAt(a) === 32) a++;
          while (b > a && text.charCodeAt(b - 1) === 32) b--;
          const result = this.step(text, a, b, hop);
          if (result === INVALID_HOP) return null;
          if (result !== TRUSTED) return result;
          lastText = text;
          lastStart = a;
          lastEnd = b;
          hop++;
          end = i;
        }
      }
    }
    // Every hop trusted: the leftmost address is the client (proxy-addr semantics).
    return this.canonical(lastText, lastStart, lastEnd);
  }

  private walkForwarded(remoteAddress: string, headers: HeaderMap): string | null {
    const elements = this.forwardedElements(headers);
    if (elements === null) return null;
    let last = remoteAddress;
    for (let k = elements.length - 1, hop = 1; k >= 0; k--, hop++) {
      const node = elements[k]!.for;
      const address = node === undefined ? null : forwardedNodeAddress(node);
      if (address === null) return null;
      const result = this.step(address, 0, address.length, hop);
      if (result === INVALID_HOP) return null;
      if (result !== TRUSTED) return result;
      last = address;
    }
    return this.canonical(last, 0, last.length);
  }

  /** [] when the header is absent, null when it is malformed. */
  private forwardedElements(headers: HeaderMap): ForwardedElement[] | null {
    const header: unknown = headers['forwarded'];
    if (header === undefined) return [];
    if (typeof header !== 'string' && !Array.isArray(header)) return null;
    return parseForwarded(header as string | string[]);
  }

  isSecure(encrypted: boolean, remoteAddress: string | undefined, headers: HeaderMap, count?: HeaderCount): boolean {
    if (encrypted === true) return true;
    if (this.mode === MODE_NONE || typeof remoteAddress !== 'string' || headerCapReached(count)) return false;
    if (this.step(remoteAddress, 0, remoteAddress.length, 0) !== TRUSTED) return false;
    if (this.forwarded) {
      const elements = this.forwardedElements(headers);
      if (elements === null || elements.length === 0) return false;
      // The nearest proxy's element must state the protocol; none may say anything but https.
      if (elements[elements.length - 1]!.proto === undefined) return false;
      return elements.every((e) => e.proto === undefined || e.proto.toLowerCase() === HTTPS);
    }
    return allValuesHttps(headers['x-forwarded-proto']);
  }
}

/** Every comma-separated value of every instance is `https` (case-insensitive); at least one. */
function allValuesHttps(header: unknown): boolean {
  const instances = typeof header === 'string' ? [header] : Array.isArray(header) ? (header as unknown[]) : null;
  if (instances === null || instances.length === 0) return false;
  for (const instance of instances) {
    if (typeof instance !== 'string') return false;
    for (const raw of instance.split(',')) {
      if (raw.trim().toLowerCase() !== HTTPS) return false;
    }
  }
  return true;
}
