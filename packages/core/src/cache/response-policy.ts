// Which handler answers may be stored: status, cookies, cache directives and media type.
import type { CapturedResponse } from '../contract.js';

/** A header of a captured response as one string (arrays joined as HTTP would). */
export function headerText(headers: CapturedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** True when the answer's metadata allows storing it; the body is checked by the completer. */
export function storableHead(response: Pick<CapturedResponse, 'status' | 'headers'>): boolean {
  if (response.status !== 200) return false;
  if (response.headers['set-cookie'] !== undefined) return false;
  const cc = (headerText(response.headers, 'cache-control') ?? '').toLowerCase();
  if (/(^|[,\s])(private|no-store)([,\s=]|$)/.test(cc)) return false;
  const type = (headerText(response.headers, 'content-type') ?? '').toLowerCase();
  return type.startsWith('application/json') || /^application\/[^;]+\+json/.test(type);
}
