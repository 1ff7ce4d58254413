// Cache key derivation: the ticket a cacheable request carries from lookup to storing its answer.
import type { Principal } from '../types.js';
import type { CacheTicket } from '../contract.js';
import { cacheKey, canonicalJson } from '../canonical.js';

export interface TicketInput {
  body: Record<string, unknown>;
  method: string;
  /** The path without its query string. */
  path: string;
  subject: string | undefined;
  ttlMs: number;
  now: number;
  requestId: string;
  principal: Principal;
  clientAddress: string | null;
}

/** Name = HMAC over tenant, route, subject, model and the canonical body without transport-only fields. */
export function makeTicket(indexKey: Uint8Array, ignoreFields: ReadonlySet<string>, t: TicketInput): CacheTicket {
  const model = typeof t.body.model === 'string' ? t.body.model : '';
  const request = canonicalJson(t.body, ignoreFields);
  const route = `${t.method} ${t.path}`;
  const tenant = t.principal.tenant;
  const key = cacheKey(indexKey, { tenant, route, subject: t.subject, model, canonical: request });
  return {
    key, tenant, model, subject: t.subject, request, ttlMs: t.ttlMs, startedAt: t.now,
    requestId: t.requestId, principal: t.principal, clientAddress: t.clientAddress,
  };
}
