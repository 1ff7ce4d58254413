// Fastify benchmark server: bare route (Fastify's own JSON parser) or the route inside a guarded scope.
import Fastify from 'fastify';
import vectorcache from '@vectorcache/fastify';
import { answer, benchGuard, modeArg, ROUTE, serve } from './common.js';

const mode = modeArg(['bare', 'guarded']);
const app = Fastify({ logger: false });
let key: string | undefined;

if (mode === 'guarded') {
  const bench = await benchGuard();
  key = bench.key;
  await app.register(async (scope) => {
    await scope.register(vectorcache, { guard: bench.guard });
    scope.post(ROUTE, async (request) => answer(request.body));
  });
} else {
  app.post(ROUTE, async (request) => answer(request.body));
}

await app.ready();
await serve(app.server, key);
