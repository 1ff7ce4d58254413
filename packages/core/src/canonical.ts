// Canonical JSON of a request body and the HMAC cache key derived from it.
import { createHmac } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so that key order never changes a cache key.
 * Top-level fields in `ignore` (transport-only, like `stream` and `user`) are left out.
 */
export function canonicalJson(value: unknown, ignore?: ReadonlySet<string>): string {
  return write(value, ignore);
}

function write(value: unknown, ignoreTop?: ReadonlySet<string>): string {
  if (value === null || typeof value !== 'object') {
    // Non-finite numbers are not JSON; JSON.stringify would turn them into null silently.
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + write(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    if (ignoreTop?.has(key) || record[key] === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + write(record[key]);
    first = false;
  }
  return out + '}';
}

/**
 * Cache entry name: `<tenant>:<hex HMAC-SHA256>` over route, tenant, subject, model and canonical body.
 * The tenant prefix lets stores co-locate a tenant's entries; the HMAC keeps prompts unguessable from names.
 */
export function cacheKey(indexKey: Uint8Array, parts: { tenant: string; route: string; subject?: string; model: string; canonical: string }): string {
  const mac = createHmac('sha256', indexKey);
  // NUL separators: none of the parts can contain one after JSON encoding, so fields cannot run together.
  mac.update(parts.tenant).update('\0').update(parts.route).update('\0').update(parts.subject ?? '').update('\0').update(parts.model).update('\0').update(parts.canonical);
  return `${parts.tenant}:${mac.digest('hex')}`;
}

/** Keyed hash of an end user's id: stored instead of the id itself. */
export function subjectHash(indexKey: Uint8Array, tenant: string, subject: string): string {
  return createHmac('sha256', indexKey).update('subject\0').update(tenant).update('\0').update(subject).digest('hex');
}
