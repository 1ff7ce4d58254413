// Fastify plugin: `app.register(vectorcache, options | guard)`; the key is checked in onRequest, before the body is parsed.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import {
  bodyLeftUnread, createGuard, decisionBody, decisionReadable, headViewFromNode, internalErrorDecision, isGuard, readJsonStream, recordNodeResponse, recordStreamBody, stateOf,
  type Admission, type AnswerRecorder, type BodyError, type Decision, type Guard, type GuardOptions, type PassDecision, type VectorcacheState,
} from '@vectorcache/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The guard's decision and the authenticated principal; null until the guard has run. */
    vectorcache: VectorcacheState | null;
  }
}

export type VectorcachePluginOptions = (GuardOptions | { guard: Guard } | Guard) & {
  /** Replace Fastify's JSON parser so bad or oversized bodies get the guard's problem+json after authentication. Defaults to true. */
  parseJson?: boolean;
};

const BODY_ERROR = Symbol('vectorcache.bodyError');
interface BodyFault { [BODY_ERROR]: BodyError }
const RECORDER = Symbol('vectorcache.recorder');
const ADMISSION = Symbol('vectorcache.admission');
const RAN = Symbol('vectorcache.ran');
type Tracked = FastifyRequest & { [RECORDER]?: AnswerRecorder; [ADMISSION]?: Admission; [RAN]?: boolean };

function isFault(body: unknown): body is BodyFault {
  return typeof body === 'object' && body !== null && BODY_ERROR in body;
}

/** The guard and the plugin's own options, whether a guard, `{ guard }` or guard options were registered. */
function resolve(options: VectorcachePluginOptions): { guard: Guard; owned: boolean; parseJson: boolean } {
  if (isGuard(options)) return { guard: options, owned: false, parseJson: true };
  const { parseJson = true, ...rest } = options as GuardOptions & { guard?: Guard; parseJson?: boolean };
  if ('guard' in rest && isGuard(rest.guard)) return { guard: rest.guard, owned: false, parseJson };
  return { guard: createGuard(rest as GuardOptions), owned: true, parseJson };
}

function reject(reply: FastifyReply, request: FastifyRequest, decision: Exclude<Decision, PassDecision>): FastifyReply {
  reply.code(decision.status).headers(decision.headers);
  if (bodyLeftUnread(request.raw)) reply.header('connection', 'close');
  const stream = request.method !== 'HEAD' && decision.kind === 'respond' ? decisionReadable(decision, reply.raw) : undefined;
  return reply.send(stream ?? decisionBody(decision, request.method));
}

/** The request's recorder, handed over once: whichever send path sees the answer first takes it. */
function takeRecorder(request: Tracked): AnswerRecorder | undefined {
  const recorder = request[RECORDER];
  request[RECORDER] = undefined;
  return recorder;
}

type Hijack = FastifyReply['hijack'];
const HIJACK = Symbol('vectorcache.hijack');

/**
 * A handler that calls `reply.hijack()` writes `reply.raw` itself and onSend never runs: its answer
 * is then recorded on the raw response (or its recorder would never end, and identical requests
 * coalesced behind it would wait out the single-flight timeout), and the guard's headers (cache
 * status, request id, HSTS), which Fastify keeps on the reply, are put on the raw response. Once per
 * reply prototype (one per encapsulation context) rather than per request: wrapping each
 * response's own methods measured ~8% of a Fastify miss.
 */
function watchHijack(reply: FastifyReply): void {
  const proto = Object.getPrototypeOf(reply) as { hijack: Hijack & { [HIJACK]?: true } };
  // A context's prototype inherits its parent's: a hijack already watched up the chain is not wrapped twice.
  if (proto.hijack[HIJACK]) return;
  const hijack = proto.hijack;
  const hijacked = function hijacked(this: FastifyReply) {
    const request = this.request as Tracked;
    if (request.vectorcache) {
      const headers = this.getHeaders();
      for (const name in headers) if (!this.raw.hasHeader(name)) this.raw.setHeader(name, headers[name]!);
    }
    const recorder = takeRecorder(request);
    if (recorder) recordNodeResponse(this.raw, recorder);
    return hijack.call(this);
  } as Hijack & { [HIJACK]?: true };
  hijacked[HIJACK] = true;
  proto.hijack = hijacked;
}

/** Hands the payload Fastify is about to send to the recorder. */
function recordPayload(request: Tracked, reply: FastifyReply, payload: unknown): unknown {
  const recorder = takeRecorder(request);
  if (!recorder) return payload;
  recorder.head(reply.statusCode, reply.getHeaders());
  // A stream (SSE) is tapped on its way out; a string or Buffer is the whole answer.
  if (typeof (payload as { pipe?: unknown } | null)?.pipe === 'function') return recordStreamBody(payload as Readable, reply.raw, recorder);
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
    recorder.abort();
    return payload;
  }
  recorder.chunk(payload);
  const { reason } = recorder.end();
  if (reason) reply.header('x-vectorcache-reason', reason);
  return payload;
}

async function plugin(app: FastifyInstance, options: VectorcachePluginOptions): Promise<void> {
  const { guard, owned, parseJson } = resolve(options);
  app.decorate('vectorcacheGuard', guard);
  app.decorateRequest('vectorcache', null);

  if (parseJson) {
    app.removeContentTypeParser('application/json');
    // A stream parser: the guard's size and time limits apply while reading; faults are reported by the gate.
    const parse = (_req: FastifyRequest, payload: NodeJS.ReadableStream & { resume(): unknown }, done: (err: Error | null, body?: unknown) => void): void => {
      const timer = setTimeout(() => done(null, { [BODY_ERROR]: 'body_timeout' } satisfies BodyFault), guard.bodyTimeoutMs);
      readJsonStream(payload, guard.maxBodyBytes).then(
        (read) => { clearTimeout(timer); done(null, read.error ? ({ [BODY_ERROR]: read.error } satisfies BodyFault) : read.body); },
        () => { clearTimeout(timer); done(null, { [BODY_ERROR]: 'invalid_body' } satisfies BodyFault); },
      );
    };
    app.addContentTypeParser('application/json', parse);
    app.addContentTypeParser(/^application\/[^;]+\+json/, parse);
  }

  // The perimeter and the key on the headers alone: a denied request is answered before its body is parsed.
  app.addHook('onRequest', async (request: Tracked, reply: FastifyReply) => {
    if (request[RAN]) return undefined;
    request[RAN] = true;
    let admitted;
    try {
      admitted = await guard.admit({ ...headViewFromNode(request.raw, request.url, request), records: true });
    } catch {
      return reject(reply, request, internalErrorDecision(request.raw, guard));
    }
    if (admitted.kind !== 'admitted') return reject(reply, request, admitted);
    request[ADMISSION] = admitted;
    return undefined;
  });

  app.addHook('preHandler', async (request: Tracked, reply: FastifyReply) => {
    const admission = request[ADMISSION];
    if (!admission) return undefined;
    request[ADMISSION] = undefined;
    const fault = isFault(request.body) ? request.body[BODY_ERROR] : undefined;
    let decision;
    try {
      // Our own JSON parser caps nesting while reading; a parser of the app's own did not.
      decision = await guard.decide(admission, fault ? undefined : request.body, fault, { depthChecked: parseJson });
    } catch {
      decision = internalErrorDecision(request.raw, guard); // refused, never a stack trace
    }
    if (decision.kind !== 'pass') return reject(reply, request, decision);
    reply.headers(decision.headers);
    watchHijack(reply);
    request.vectorcache = stateOf(decision);
    request.body = decision.body;
    if (decision.recorder) request[RECORDER] = decision.recorder;
    return undefined;
  });

  app.addHook('onSend', async (request: Tracked, reply: FastifyReply, payload: unknown) => recordPayload(request, reply, payload));

  if (guard.adminPrefix) {
    // Fastify runs hooks only for matched routes, so the admin paths need a route; the guard answers them in onRequest.
    app.all(`${guard.adminPrefix}/*`, async (_request, reply) => reply.code(404).send({ error: 'not found' }));
  }

  app.addHook('onClose', async () => {
    if (owned) await guard.close();
  });
}

/** The Fastify plugin, wrapped with fastify-plugin so its hooks apply to the whole app. */
export const vectorcache = fp(plugin, { fastify: '5.x', name: '@vectorcache/fastify' });

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
