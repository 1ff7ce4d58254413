// The Express example app: a guarded OpenAI-compatible chat route, health check outside the guard.
import express, { type Express } from 'express';
import { createGuard, type Guard } from '@vectorcache/core';
import { vectorcache } from '@vectorcache/express';
import { SSE_HEADERS, exampleMetrics, metricsReply, sseEvents, tenantUpstreamKey, type ExampleConfig } from 'example-shared';

export function createApp(config: Pick<ExampleConfig, 'guard' | 'backend'>): { app: Express; guard: Guard } {
  const guard = createGuard(config.guard);
  const app = express();
  app.disable('x-powered-by');
  // Before the guard: load balancers probe it over plain HTTP without a key.
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  app.use(vectorcache(guard));
  const metrics = exampleMetrics(guard, config.guard.cache);
  app.get('/metrics', async (req, res, next) => {
    try {
      const reply = await metricsReply(req.vectorcache, metrics);
      res.status(reply.status).set(reply.headers).send(reply.body);
    } catch (error) {
      next(error);
    }
  });
  app.post('/v1/chat/completions', async (req, res, next) => {
    try {
      const upstreamKey = await tenantUpstreamKey(config.backend, guard, req.vectorcache?.principal.tenant);
      const result = await config.backend.complete(req.body ?? {}, { upstreamKey });
      if (result.kind === 'json') {
        res.status(result.status).json(result.body);
        return;
      }
      res.status(200).set({ ...SSE_HEADERS, connection: 'keep-alive' });
      res.flushHeaders();
      for await (const event of sseEvents(result)) res.write(event);
      res.end();
    } catch (error) {
      next(error);
    }
  });
  return { app, guard };
}
