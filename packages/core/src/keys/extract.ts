// Reads the presented API key from `Authorization: Bearer` or `X-API-Key`, refusing ambiguous requests.
import type { HeaderMap } from '../types.js';

/** Longest header value looked at; a real key is under 64 characters. */
export const MAX_KEY_HEADER_LENGTH = 512;

type Single = { value?: string; bad?: true };

// Several instances of one header (an array of more than one, as `headersDistinct` gives) are
// ambiguous: which key should win is exactly what an attacker would like to choose.
function single(value: string | string[] | undefined): Single {
  if (value === undefined) return {};
  if (Array.isArray(value)) {
    if (value.length === 0) return {};
    if (value.length > 1) return { bad: true };
    value = value[0]!;
  }
  if (typeof value !== 'string' || value.length > MAX_KEY_HEADER_LENGTH) return { bad: true };
  const trimmed = value.trim();
  // An empty header carries no credential: treated as absent, so the client hears "missing".
  return trimmed === '' ? {} : { value: trimmed };
}

const BEARER = /^bearer[ \t]+([^\s,]+)$/i;
const SCHEME = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*(?:[ \t]|$)/;
// Keys never contain whitespace or commas; a comma is what Node makes of repeated X-API-Key headers.
const TOKEN = /^[^\s,]+$/;

/**
 * The presented key, `{ key: undefined }` when none was sent, or `{ error: 'malformed_api_key' }`
 * when the credentials are ambiguous or unreadable: Bearer and X-API-Key with different values,
 * repeated headers, a Bearer value that is not exactly one token, an over-long header, or a
 * non-Bearer Authorization with no X-API-Key.
 */
export function extractApiKey(headers: HeaderMap): { key?: string; error?: 'malformed_api_key' } {
  const authorization = single(headers['authorization']);
  const apiKey = single(headers['x-api-key']);
  if (authorization.bad || apiKey.bad) return { error: 'malformed_api_key' };

  let bearer: string | undefined;
  if (authorization.value !== undefined) {
    const match = BEARER.exec(authorization.value);
    if (match) bearer = match[1]!;
    else if (/^bearer(?:[ \t]|$)/i.test(authorization.value) || !SCHEME.test(authorization.value)) {
      return { error: 'malformed_api_key' };
    } else if (apiKey.value === undefined) {
      // Another scheme (Basic, Digest…) and nothing else: the client meant to authenticate but not with a key.
      return { error: 'malformed_api_key' };
    }
  }
  if (apiKey.value !== undefined && !TOKEN.test(apiKey.value)) return { error: 'malformed_api_key' };

  if (bearer !== undefined && apiKey.value !== undefined && bearer !== apiKey.value) return { error: 'malformed_api_key' };
  return { key: bearer ?? apiKey.value };
}
