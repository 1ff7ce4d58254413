// Whether Node may have dropped header lines of a request (its header-count cap), so the trust walk can fail closed.
import type { IncomingMessage } from 'node:http';

/** How many header lines a request arrived with, and how many the server keeps (0: no cap). */
export interface HeaderCount {
  received: number;
  cap: number;
}

/**
 * Node's default when `server.maxHeadersCount` is not a number: the parser keeps 2,000 raw entries
 * (names and values), i.e. 1,000 header lines. A numeric `maxHeadersCount` N keeps N lines
 * (`N << 1` entries); 0 or a negative number removes the cap.
 */
const DEFAULT_PAIRS = 2000;

/**
 * Header lines Node keeps for requests of this socket's server. Lines past the cap are silently
 * dropped (whole chunks of them), so a client can push a proxy's own `X-Forwarded-For` line out
 * of the request; node:http records the server on `socket.server`.
 */
export function headerCapOf(req: IncomingMessage): number {
  const server = (req.socket as { server?: { maxHeadersCount?: unknown } } | null | undefined)?.server;
  const configured = server?.maxHeadersCount;
  const pairs = typeof configured === 'number' ? configured << 1 : DEFAULT_PAIRS;
  // `<<` truncates a fractional setting first, as Node's own shift does.
  return pairs <= 0 ? 0 : pairs >> 1;
}

/** The hint the trust walk takes: lines received (`rawHeaders` holds names and values) and the cap. */
export function headerCountOf(req: IncomingMessage): HeaderCount {
  return { received: Array.isArray(req.rawHeaders) ? req.rawHeaders.length >> 1 : 0, cap: headerCapOf(req) };
}

/**
 * True when the request may have lost header lines: it reached the cap. Reaching it is enough
 * (Node drops lines only once the count is at the cap), so this never misses a truncation.
 */
export function headerCapReached(count: HeaderCount | undefined): boolean {
  return count !== undefined && count.cap > 0 && count.received >= count.cap;
}
