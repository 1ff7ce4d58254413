// Stage 9: the client's cache controls and the key's cache scopes decide whether the cache is read or written.
import type { HeaderMap } from '../types.js';
import { hasScope } from '../keys/index.js';

export interface CacheDirectives {
  noStore: boolean;
  noCache: boolean;
  maxAgeMs?: number;
}

/** `Cache-Control` of the request: no-store (do not write), no-cache (do not read), max-age (shorter TTL). */
export function requestDirectives(headers: HeaderMap): CacheDirectives {
  const raw = headers['cache-control'];
  if (raw === undefined) return { noStore: false, noCache: false };
  const text = (Array.isArray(raw) ? raw.join(',') : raw).toLowerCase();
  const out: CacheDirectives = { noStore: false, noCache: false };
  for (const part of text.split(',')) {
    const directive = part.trim();
    if (directive === 'no-store') out.noStore = true;
    else if (directive === 'no-cache') out.noCache = true;
    else if (directive.startsWith('max-age=')) {
      const seconds = Number(directive.slice(8));
      if (Number.isSafeInteger(seconds) && seconds >= 0) out.maxAgeMs = seconds * 1000;
    }
  }
  return out;
}

export interface CacheAccess {
  canRead: boolean;
  canWrite: boolean;
  directives: CacheDirectives;
}

/** What the key and the client allow; pushes `client_no_cache` / `no_cache_scope` onto `reasons`. */
export function cacheAccess(scopes: readonly string[], headers: HeaderMap, reasons: string[]): CacheAccess {
  const directives = requestDirectives(headers);
  if (directives.noCache) reasons.push('client_no_cache');
  const canRead = hasScope(scopes, 'cache:read');
  const canWrite = hasScope(scopes, 'cache:write') && !directives.noStore;
  if (!canRead) reasons.push('no_cache_scope');
  return { canRead, canWrite, directives };
}

/**
 * True when the request must go direct. A write-only key (e.g. a cache warmer) whose only reason is
 * `no_cache_scope` still gets a ticket, so its answer is stored although it is never served one.
 */
export function mustBypass(reasons: readonly string[], access: CacheAccess): boolean {
  return reasons.length > 0 && !(reasons.length === 1 && reasons[0] === 'no_cache_scope' && access.canWrite);
}
