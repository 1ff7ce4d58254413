// Which handler answers may be stored: status, cookies, cache directives and media type.
import type { CapturedResponse } from '../contract.js';

/** A header of a captured response as one string (arrays joined as HTTP would). */
export function headerText(headers: CapturedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** `Cache-Control` directives of an answer, lower-cased, with their values (`max-age=0` → ['max-age', '0']). */
export function responseDirectives(headers: CapturedResponse['headers']): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const part of (headerText(headers, 'cache-control') ?? '').toLowerCase().split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) out.set(item, undefined);
    else out.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** Directives that forbid storing: no-store, private, no-cache (must revalidate: we cannot), and zero lifetimes. */
function forbidsStoring(directives: Map<string, string | undefined>, allowNoCache: boolean): boolean {
  if (directives.has('no-store') || directives.has('private')) return true;
  if (directives.has('no-cache') && !allowNoCache) return true;
  for (const name of ['max-age', 's-maxage']) {
    const value = directives.get(name);
    if (value !== undefined && !(Number(value) > 0)) return true;
  }
  return false;
}

/** `Vary: *`, or a Vary on the caller's credentials or cookies: the answer is per caller, never shared. */
function variesPerCaller(headers: CapturedResponse['headers']): boolean {
  const vary = (headerText(headers, 'vary') ?? '').toLowerCase().split(',').map((v) => v.trim());
  return vary.some((v) => v === '*' || v === 'authorization' || v === 'cookie' || v === 'x-api-key');
}

/** The media type without parameters, lower-cased (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(headers: CapturedResponse['headers']): string {
  return (headerText(headers, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Exactly `application/json` or an `application/<name>+json` type: not jsonp, not json-seq. */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(type);
}

/**
 * True when the answer's metadata allows storing it; the body is checked by the completer.
 * `allowNoCache` is for event streams, where `no-cache` only tells proxies not to buffer.
 */
export function storableHead(response: Pick<CapturedResponse, 'status' | 'headers'>, allowNoCache = false): boolean {
  if (response.status !== 200) return false;
  if (response.headers['set-cookie'] !== undefined) return false;
  if (forbidsStoring(responseDirectives(response.headers), allowNoCache)) return false;
  if (variesPerCaller(response.headers)) return false;
  return isJsonMediaType(mediaType(response.headers));
}
