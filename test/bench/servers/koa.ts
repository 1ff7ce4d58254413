// Koa benchmark server: bare route (Koa has no body parser of its own, so it reads and JSON.parses the stream) or guarded route.
import { createServer } from 'node:http';
import Koa from 'koa';
import { vectorcache } from '@vectorcache/koa';
import { answer, benchGuard, modeArg, ROUTE, serve } from './common.js';

const mode = modeArg(['bare', 'guarded']);
const app = new Koa();
let key: string | undefined;

if (mode === 'guarded') {
  const bench = await benchGuard();
  key = bench.key;
  app.use(vectorcache(bench.guard));
} else {
  // The core of koa-bodyparser without its options: collect the stream, parse it.
  app.use(async (ctx, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    (ctx.request as { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    await next();
  });
}

app.use((ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== ROUTE) {
    ctx.status = 404;
    return;
  }
  ctx.body = answer((ctx.request as { body?: unknown }).body);
});

await serve(createServer(app.callback()), key);
