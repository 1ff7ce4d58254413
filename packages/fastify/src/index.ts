// Fastify plugin: `app.register(vectorcache, options)`; hooks run after body parsing, capture in onSend.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createGuard, decisionBody, isGuard, readJsonStream, stateOf, viewFromNode,
  type BodyError, type CacheTicket, type Guard, type GuardOptions, type VectorcacheState,
} from '@vectorcache/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The guard's decision and the authenticated principal; null until the guard has run. */
    vectorcache: VectorcacheState | null;
  }
}

export type VectorcachePluginOptions = (GuardOptions | { guard: Guard }) & {
  /** Replace Fastify's JSON parser so bad or oversized bodies get the guard's problem+json after authentication. Defaults to true. */
  parseJson?: boolean;
};

const BODY_ERROR = Symbol('vectorcache.bodyError');
interface BodyFault { [BODY_ERROR]: BodyError }
const TICKET = Symbol('vectorcache.ticket');
const RAN = Symbol('vectorcache.ran');
type Tracked = FastifyRequest & { [TICKET]?: CacheTicket; [RAN]?: boolean };

function isFault(body: unknown): body is BodyFault {
  return typeof body === 'object' && body !== null && BODY_ERROR in body;
}

async function plugin(app: FastifyInstance, options: VectorcachePluginOptions): Promise<void> {
  const { parseJson = true, ...rest } = options as VectorcachePluginOptions & { guard?: Guard };
  const guard = 'guard' in rest && isGuard(rest.guard) ? rest.guard : createGuard(rest as GuardOptions);
  app.decorate('vectorcacheGuard', guard);
  app.decorateRequest('vectorcache', null);

  if (parseJson) {
    app.removeContentTypeParser('application/json');
    // Read the raw stream ourselves with the guard's limit; errors become a marker the gate reports.
    // A stream parser: the guard's limit applies while reading, and faults are reported after authentication.
    const parse = (_req: FastifyRequest, payload: NodeJS.ReadableStream & { resume(): unknown }, done: (err: Error | null, body?: unknown) => void): void => {
      readJsonStream(payload, guard.maxBodyBytes).then(
        (read) => done(null, read.error ? ({ [BODY_ERROR]: read.error } satisfies BodyFault) : read.body),
        () => done(null, { [BODY_ERROR]: 'invalid_body' } satisfies BodyFault),
      );
    };
    app.addContentTypeParser('application/json', parse);
    app.addContentTypeParser(/^application\/[^;]+\+json/, parse);
  }

  app.addHook('preHandler', async (request: Tracked, reply: FastifyReply) => {
    if (request[RAN]) return; // a route-level registration and a global one must not run twice
    request[RAN] = true;
    const fault = isFault(request.body) ? request.body[BODY_ERROR] : undefined;
    const body = fault ? undefined : request.body;
    const decision = await guard.handle(viewFromNode(request.raw, request.url, body, fault, request));
    if (decision.kind !== 'pass') {
      reply.code(decision.status).headers(decision.headers);
      return reply.send(decisionBody(decision, request.method));
    }
    reply.headers(decision.headers);
    request.vectorcache = stateOf(decision);
    request.body = decision.body;
    if (decision.ticket) request[TICKET] = decision.ticket;
    return undefined;
  });

  app.addHook('onSend', async (request: Tracked, reply: FastifyReply, payload: unknown) => {
    const ticket = request[TICKET];
    if (!ticket) return payload;
    request[TICKET] = undefined;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload; // streams pass through
    const result = guard.complete(ticket, { status: reply.statusCode, headers: reply.getHeaders(), body: payload });
    if (result.reason) reply.header('x-vectorcache-reason', result.reason);
    return payload;
  });

  if (guard.adminPrefix) {
    // Fastify runs hooks only for matched routes, so the admin paths need a route; the guard answers them in preHandler.
    app.all(`${guard.adminPrefix}/*`, async (_request, reply) => reply.code(404).send({ error: 'not found' }));
  }

  app.addHook('onClose', async () => {
    if (!('guard' in rest)) await guard.close();
  });
}

/** The Fastify plugin, wrapped with fastify-plugin so its hooks apply to the whole app. */
export const vectorcache = fp(plugin, { fastify: '5.x', name: '@vectorcache/fastify' });

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
