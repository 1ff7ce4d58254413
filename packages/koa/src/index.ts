// Koa adapter: translates a context into the guard's view and applies the decision.
import type { Context, Middleware, Next } from 'koa';
import {
  bodyLeftUnread, createGuard, decideNode, decisionBody, isGuard, stateOf,
  type Guard, type GuardOptions, type VectorcacheState,
} from '@vectorcache/core';

declare module 'koa' {
  interface DefaultState {
    /** The guard's decision and the authenticated principal; set on requests the handler sees. */
    vectorcache?: VectorcacheState;
  }
}

export type VectorcacheMiddleware = Middleware & { guard: Guard };

function serialize(body: unknown): string | Buffer | undefined {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body === null || body === undefined || typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  // Koa sends any other object as JSON.stringify(body).
  return JSON.stringify(body);
}

/** Koa middleware: `app.use(vectorcache(options))` or `app.use(vectorcache(guard))`. */
export function vectorcache(optionsOrGuard: GuardOptions | Guard): VectorcacheMiddleware {
  const guard = isGuard(optionsOrGuard) ? optionsOrGuard : createGuard(optionsOrGuard);

  const middleware = (async (ctx: Context, next: Next) => {
    const request = ctx.request as typeof ctx.request & { body?: unknown };
    // A body parser that ran before us already consumed the stream; otherwise the guard reads it after the key check.
    const parsed = request.body !== undefined || ctx.req.readableEnded ? { body: request.body } : undefined;
    const decision = await decideNode(guard, ctx.req, ctx.originalUrl, ctx, parsed);
    if (decision.kind !== 'pass') {
      ctx.status = decision.status;
      ctx.set(decision.headers);
      if (bodyLeftUnread(ctx.req)) ctx.set('connection', 'close');
      ctx.body = decisionBody(decision, ctx.method);
      return;
    }
    ctx.set(decision.headers);
    ctx.state.vectorcache = stateOf(decision);
    if (decision.body !== undefined) request.body = decision.body;
    await next();
    const ticket = decision.ticket;
    if (!ticket) return;
    const payload = serialize(ctx.body);
    if (payload === undefined) return;
    const result = guard.complete(ticket, { status: ctx.status, headers: ctx.response.headers as Record<string, string>, body: payload });
    if (result.reason) ctx.set('x-vectorcache-reason', result.reason);
  }) as VectorcacheMiddleware;
  middleware.guard = guard;
  return middleware;
}

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
