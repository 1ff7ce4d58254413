// The Fastify example app: a guarded OpenAI-compatible chat route, health check outside the guard.
import Fastify, { type FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { createGuard, type Guard } from '@vectorcache/core';
import { vectorcache } from '@vectorcache/fastify';
import { SSE_HEADERS, exampleMetrics, metricsReply, sseEvents, tenantUpstreamKey, type ChatBody, type ExampleConfig } from 'example-shared';

export async function createApp(config: Pick<ExampleConfig, 'guard' | 'backend'>, serverFactory?: Parameters<typeof Fastify>[0]): Promise<{ app: FastifyInstance; guard: Guard }> {
  const guard = createGuard(config.guard);
  const app = Fastify(serverFactory ?? {});
  // Registered before the guard, in its own encapsulated context, so the guard's hooks do not apply.
  await app.register(async (open) => {
    open.get('/healthz', async () => ({ ok: true }));
  });
  await app.register(async (guarded) => {
    await guarded.register(vectorcache, { guard });
    const metrics = exampleMetrics(guard, config.guard.cache);
    guarded.get('/metrics', async (request, reply) => {
      const answer = await metricsReply(request.vectorcache, metrics);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
    guarded.post('/v1/chat/completions', async (request, reply) => {
      const upstreamKey = await tenantUpstreamKey(config.backend, guard, request.vectorcache?.principal.tenant);
      const result = await config.backend.complete((request.body ?? {}) as ChatBody, { upstreamKey });
      if (result.kind === 'json') return reply.code(result.status).send(result.body);
      const stream = new PassThrough();
      reply.code(200).headers(SSE_HEADERS);
      void (async () => {
        for await (const event of sseEvents(result)) stream.write(event);
        stream.end();
      })().catch((error: unknown) => stream.destroy(error as Error));
      return reply.send(stream);
    });
  });
  return { app, guard };
}
