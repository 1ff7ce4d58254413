// Helpers adapters share to translate a node:http request into the guard's view, and a decision back.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Decision, DenyDecision, Guard, GuardRequest, HeadView, PassDecision } from './contract.js';
import { makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';
import type { Principal } from './types.js';
import { hasBody, type BodyError } from './body.js';
import { readJsonBodyWithin } from './body-deadline.js';
import { headerCountOf } from './net/header-cap.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A valid incoming `X-Request-Id`, echoed; otherwise a new UUID. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The part of the view that comes straight from the socket and headers. */
export function headViewFromNode(req: IncomingMessage, url: string | undefined, raw: unknown): HeadView {
  const requestId = requestIdOf(req);
  return {
    method: req.method ?? 'GET',
    url: url ?? req.url ?? '/',
    headers: req.headers,
    remoteAddress: req.socket?.remoteAddress,
    encrypted: (req.socket as TLSSocket | undefined)?.encrypted === true,
    requestId,
    raw,
    headerCount: headerCountOf(req),
  };
}

/** The whole view, for a body the framework already read. */
export function viewFromNode(req: IncomingMessage, url: string | undefined, body: unknown, bodyError: BodyError | undefined, raw: unknown): GuardRequest {
  return { ...headViewFromNode(req, url, raw), body, bodyError };
}

/**
 * The decision for a node request. Without a body read by the framework (`parsed` undefined), the
 * headers are judged first and the body is read only for an admitted request, within the guard's
 * size and time limits: a denied request never makes the server buffer its body.
 */
export async function decideNode(guard: Guard, req: IncomingMessage, url: string | undefined, raw: unknown, parsed?: { body: unknown; error?: BodyError }): Promise<Decision> {
  // The bundled adapters feed the decision's recorder, so misses may be coalesced.
  const head: HeadView = { ...headViewFromNode(req, url, raw), records: true };
  if (parsed) return guard.handle({ ...head, body: parsed.body, bodyError: parsed.error });
  const admitted = await guard.admit(head);
  if (admitted.kind !== 'admitted') return admitted;
  const read = await readJsonBodyWithin(req, guard.maxBodyBytes, guard.bodyTimeoutMs);
  // Our reader caps nesting on the text, so the gate need not walk the parsed body again.
  return guard.decide(admitted, read.body, read.error, { depthChecked: true });
}

/** True when the request announced a body that was not (fully) read: answering it must close the connection. */
export function bodyLeftUnread(req: IncomingMessage): boolean {
  return hasBody(req.headers) && !req.complete;
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

/** The full body of a deny or respond decision (what a GET would carry). */
function fullBody(decision: Exclude<Decision, PassDecision>): string {
  return decision.kind === 'deny' ? JSON.stringify(decision.problem) : decision.body;
}

/** The body to send for a deny or respond decision (none for HEAD). */
export function decisionBody(decision: Exclude<Decision, PassDecision>, method: string): string {
  return method.toUpperCase() === 'HEAD' ? '' : fullBody(decision);
}

/**
 * A respond decision's streamed body as a Readable for frameworks that pipe one (Koa, Fastify).
 * A stream that breaks off destroys `res`, so the client sees a cut answer, never a complete-looking one.
 */
export function decisionReadable(decision: { stream?: AsyncIterable<string | Uint8Array> }, res: ServerResponse): Readable | undefined {
  const source = decision.stream;
  if (!source) return undefined;
  async function* guarded(): AsyncGenerator<string | Uint8Array> {
    try {
      yield* source!;
    } catch {
      res.destroy();
    }
  }
  return Readable.from(guarded(), { objectMode: false });
}

/** Writes a streamed respond decision as its pieces come; stops when the client goes away. */
async function sendStream(res: ServerResponse, stream: AsyncIterable<string | Uint8Array>): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  const stop = () => { void iterator.return?.(); };
  res.once('close', stop);
  res.flushHeaders();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || res.destroyed) break;
      res.write(next.value);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', stop);
  }
}

/**
 * The answer when the guard itself failed on a request (a bug, a store that threw where it must not):
 * refused (fail closed) as problem+json, never a stack trace, HSTS over TLS. Undefined once headers went out.
 */
export function internalErrorDecision(req: IncomingMessage, guard?: Pick<Guard, 'hsts'>): DenyDecision {
  const problem = makeProblem('internal_error');
  const tls = (req.socket as TLSSocket | undefined)?.encrypted === true;
  const hsts = guard ? guard.hsts : 'max-age=31536000; includeSubDomains';
  const requestId = requestIdOf(req);
  const headers: Record<string, string> = {
    'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', 'x-request-id': requestId, ...(tls && hsts ? { 'strict-transport-security': hsts } : {}),
  };
  return { kind: 'deny', status: problem.status, problem, headers, requestId, clientAddress: null };
}

/** Writes a deny or respond decision straight to a node response. */
export function sendDecision(res: ServerResponse, decision: Exclude<Decision, PassDecision>, method: string): void {
  if (decision.kind === 'respond' && decision.stream && method.toUpperCase() !== 'HEAD') {
    res.statusCode = decision.status;
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    void sendStream(res, decision.stream);
    return;
  }
  // Serialised once; HEAD gets the length of what a GET would carry, and no body.
  const body = fullBody(decision);
  res.statusCode = decision.status;
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  if (res.req && bodyLeftUnread(res.req)) res.setHeader('connection', 'close');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(method.toUpperCase() === 'HEAD' ? '' : body);
}
