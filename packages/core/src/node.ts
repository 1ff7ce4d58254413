// Helpers adapters share to translate a node:http request into the guard's view, and a decision back.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Decision, GuardRequest, PassDecision } from './guard.js';
import type { Principal } from './types.js';
import type { BodyError } from './body.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The part of the view that comes straight from the socket and headers. */
export function viewFromNode(req: IncomingMessage, url: string | undefined, body: unknown, bodyError: BodyError | undefined, raw: unknown): GuardRequest {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  return {
    method: req.method ?? 'GET',
    url: url ?? req.url ?? '/',
    headers: req.headers,
    remoteAddress: req.socket?.remoteAddress,
    encrypted: (req.socket as TLSSocket | undefined)?.encrypted === true,
    body,
    bodyError,
    requestId,
    raw,
  };
}

/** What the route handler can read about the guard's decision (`req.vectorcache` and friends). */
export interface VectorcacheState {
  requestId: string;
  principal: Principal;
  /** `miss` or `bypass`: the handler only runs on those. */
  status: 'miss' | 'bypass';
  route: 'cache' | 'direct';
  reasons: readonly string[];
  clientAddress: string | null;
}

export function stateOf(decision: PassDecision): VectorcacheState {
  return {
    requestId: decision.requestId,
    principal: decision.principal!,
    status: decision.cacheStatus,
    route: decision.route,
    reasons: decision.reasons,
    clientAddress: decision.clientAddress,
  };
}

/** The body to send for a deny or respond decision (none for HEAD). */
export function decisionBody(decision: Exclude<Decision, PassDecision>, method: string): string {
  if (method.toUpperCase() === 'HEAD') return '';
  return decision.kind === 'deny' ? JSON.stringify(decision.problem) : decision.body;
}

/** Writes a deny or respond decision straight to a node response. */
export function sendDecision(res: ServerResponse, decision: Exclude<Decision, PassDecision>, method: string): void {
  const body = decisionBody(decision, method);
  res.statusCode = decision.status;
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(decision.kind === 'deny' ? JSON.stringify(decision.problem) : decision.body));
  res.end(body);
}
