// The Koa example app: a guarded OpenAI-compatible chat route, health check outside the guard.
import Koa from 'koa';
import { PassThrough } from 'node:stream';
import { createGuard, type Guard } from '@vectorcache/core';
import { vectorcache } from '@vectorcache/koa';
import { SSE_HEADERS, exampleMetrics, metricsReply, sseEvents, tenantUpstreamKey, type ChatBody, type ExampleConfig } from 'example-shared';

export function createApp(config: Pick<ExampleConfig, 'guard' | 'backend'>): { app: Koa; guard: Guard } {
  const guard = createGuard(config.guard);
  const app = new Koa();
  const guarded = vectorcache(guard);
  const metrics = exampleMetrics(guard, config.guard.cache);
  app.use(async (ctx, next) => {
    // Before the guard: load balancers probe it over plain HTTP without a key.
    if (ctx.path === '/healthz' && ctx.method === 'GET') {
      ctx.body = { ok: true };
      return;
    }
    await guarded(ctx, next);
  });
  app.use(async (ctx) => {
    if (ctx.path === '/metrics' && ctx.method === 'GET') {
      const reply = await metricsReply(ctx.state.vectorcache, metrics);
      ctx.status = reply.status;
      ctx.set(reply.headers);
      ctx.body = reply.body;
      return;
    }
    if (ctx.path !== '/v1/chat/completions' || ctx.method !== 'POST') {
      ctx.status = 404;
      ctx.body = { error: { message: 'Not found' } };
      return;
    }
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as ChatBody;
    const upstreamKey = await tenantUpstreamKey(config.backend, guard, ctx.state.vectorcache?.principal.tenant);
    const result = await config.backend.complete(body, { upstreamKey });
    if (result.kind === 'json') {
      ctx.status = result.status;
      ctx.body = result.body;
      return;
    }
    const stream = new PassThrough();
    ctx.status = 200;
    ctx.set(SSE_HEADERS);
    ctx.body = stream;
    void (async () => {
      for await (const event of sseEvents(result)) stream.write(event);
      stream.end();
    })().catch((error: unknown) => stream.destroy(error as Error));
  });
  return { app, guard };
}
