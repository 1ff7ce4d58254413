// Reads and parses a JSON request body with a byte limit, for adapters whose framework parsed nothing.
import type { IncomingMessage } from 'node:http';
import type { HeaderMap } from './types.js';
import { firstHeader } from './headers.js';

/** Marks why a body could not be used; the gate turns it into a problem after authentication. */
export type BodyError = 'invalid_body' | 'body_too_large' | 'body_timeout';

export interface BodyResult {
  body: unknown;
  error?: BodyError;
  /** The raw bytes read, so an adapter can hand them on to the framework's own parser. */
  raw?: Buffer;
}


/** True for application/json and any +json media type. */
export function isJsonContentType(headers: HeaderMap): boolean {
  const type = firstHeader(headers, 'content-type');
  if (!type) return false;
  const essence = type.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'));
}

/** True when the request announces a body (Content-Length > 0 or chunked). */
export function hasBody(headers: HeaderMap): boolean {
  const length = firstHeader(headers, 'content-length');
  if (length !== undefined) return length.trim() !== '0';
  return firstHeader(headers, 'transfer-encoding') !== undefined;
}

/**
 * Deepest nesting of arrays and objects a body may have. A chat completion request needs about a
 * dozen levels (body → messages → message → content parts → part → image_url, tool schemas a few
 * more); 64 leaves room for deep tool/JSON-schema parameters while keeping every walker's work and
 * stack use small. Deeper bodies are `invalid_body`.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when JSON text nests arrays/objects deeper than `max`. One linear scan counting `[`/`{`
 * outside strings (strings are skipped with indexOf, so text-heavy bodies cost little), no
 * recursion, no allocation. Malformed text is left for JSON.parse to report.
 */
export function jsonTextDepthExceeds(text: string, max: number): boolean {
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
      if (i === -1) return false;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or -1 when it is unterminated. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return -1;
    // Escaped when an odd run of backslashes precedes it; runs never straddle an earlier quote, so this stays linear.
    let k = quote - 1;
    while (k > open && text.charCodeAt(k) === 0x5c) k--;
    if ((quote - 1 - k) % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * True when a parsed value nests arrays/objects deeper than `max` (for bodies a framework parsed).
 * Iterative; stops at the first container past `max`, so a cyclic value also ends (as too deep).
 */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** Parses JSON text; a parse failure or nesting past MAX_JSON_DEPTH is `invalid_body`, never a throw. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): BodyResult {
  if (text.trim() === '') return { body: undefined };
  if (jsonTextDepthExceeds(text, maxDepth)) return { body: undefined, error: 'invalid_body' };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { body: undefined, error: 'invalid_body' };
  }
}

/**
 * Reads a JSON body from the socket, stopping at `limit` bytes (checked against Content-Length first,
 * so an oversized upload is refused before it is read). Non-JSON bodies are left unread.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  if (!hasBody(req.headers) || !isJsonContentType(req.headers)) return { body: undefined };
  const declared = Number(firstHeader(req.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can answer
    return { body: undefined, error: 'body_too_large' };
  }
  return readJsonStream(req, limit);
}

/**
 * Reads a whole stream as UTF-8 JSON. Past `limit` bytes it stops keeping data but goes on draining:
 * breaking out early would destroy the socket, and with it the chance to answer 413.
 */
export function readJsonStream(stream: NodeJS.ReadableStream, limit: number): Promise<BodyResult> {
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    stream.on('data', (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) chunks.push(buffer);
    });
    stream.once('error', () => resolve({ body: undefined, error: 'invalid_body' }));
    stream.once('end', () => resolve(tooLarge ? { body: undefined, error: 'body_too_large' } : decodeJson(Buffer.concat(chunks, size))));
  });
}

/** One strict decoder for every request: a fatal decoder is stateless between whole-buffer calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeJson(raw: Buffer): BodyResult {
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    return { body: undefined, error: 'invalid_body', raw };
  }
  return { ...parseJsonText(text), raw };
}
