// Koa adapter: translates a context into the guard's view and applies the decision.
import type { Context, Middleware, Next } from 'koa';
import type { Readable } from 'node:stream';
import {
  bodyLeftUnread, createGuard, decideNode, decisionBody, decisionReadable, internalErrorDecision, isGuard, recordRawFallback, recordStreamBody, stateOf,
  type AnswerRecorder, type Guard, type GuardOptions, type VectorcacheState,
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
  if (body === null || body === undefined || isStream(body)) return undefined;
  // Koa sends any other object as JSON.stringify(body).
  return JSON.stringify(body);
}

const isStream = (body: unknown): body is Readable => typeof (body as { pipe?: unknown } | null)?.pipe === 'function';

/** Hands the answer Koa is about to send to the recorder: a stream body is tapped on its way out. */
function record(ctx: Context, recorder: AnswerRecorder): void {
  recorder.head(ctx.status, ctx.response.headers as Record<string, string>);
  if (isStream(ctx.body)) {
    ctx.body = recordStreamBody(ctx.body, ctx.res, recorder);
    return;
  }
  const payload = serialize(ctx.body);
  if (payload === undefined) { recorder.abort(); return; }
  recorder.chunk(payload);
  const { reason } = recorder.end();
  if (reason) ctx.set('x-vectorcache-reason', reason);
}

/** Koa middleware: `app.use(vectorcache(options))` or `app.use(vectorcache(guard))`. */
export function vectorcache(optionsOrGuard: GuardOptions | Guard): VectorcacheMiddleware {
  const guard = isGuard(optionsOrGuard) ? optionsOrGuard : createGuard(optionsOrGuard);

  const middleware = (async (ctx: Context, next: Next) => {
    const request = ctx.request as typeof ctx.request & { body?: unknown };
    // A body parser that ran before us already consumed the stream; otherwise the guard reads it after the key check.
    const parsed = request.body !== undefined || ctx.req.readableEnded ? { body: request.body } : undefined;
    let decision;
    try {
      decision = await decideNode(guard, ctx.req, ctx.originalUrl, ctx, parsed);
    } catch {
      decision = internalErrorDecision(ctx.req, guard); // refused, never a stack trace
    }
    if (decision.kind !== 'pass') {
      ctx.status = decision.status;
      ctx.set(decision.headers);
      if (bodyLeftUnread(ctx.req)) ctx.set('connection', 'close');
      ctx.body = (ctx.method !== 'HEAD' && decisionReadable(decision as { stream?: AsyncIterable<string | Uint8Array> }, ctx.res)) || decisionBody(decision, ctx.method);
      return;
    }
    ctx.set(decision.headers);
    ctx.state.vectorcache = stateOf(decision);
    if (decision.body !== undefined) request.body = decision.body;
    // Koa's own send path takes the recorder after next(), unless a handler wrote to ctx.res first.
    const take = decision.recorder && recordRawFallback(ctx.res, decision.recorder);
    try {
      await next();
    } catch (error) {
      take?.()?.abort();
      throw error;
    }
    // With `ctx.respond = false` the handler writes ctx.res itself, maybe after next() has resolved.
    const recorder = ctx.respond === false ? undefined : take?.();
    if (recorder) record(ctx, recorder);
  }) as VectorcacheMiddleware;
  middleware.guard = guard;
  return middleware;
}

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
