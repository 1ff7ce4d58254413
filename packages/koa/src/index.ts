// Koa adapter: translates a context into the guard's view and applies the decision.
import type { Context, Middleware, Next } from 'koa';
import type { Readable } from 'node:stream';
import {
  bodyLeftUnread, createGuard, decideNode, decisionBody, decisionReadable, internalErrorDecision, isGuard, recordNodeResponse, recordStreamBody, stateOf,
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

const RECORDER = Symbol('vectorcache.recorder');
const RESPOND = Symbol('vectorcache.respond');
/** Marks an app context whose `respond` is already watched (also seen through a context inheriting from it). */
const WATCHED = Symbol('vectorcache.watched');
type Tracked = Context & { [RECORDER]?: AnswerRecorder; [RESPOND]?: boolean };

function takeRecorder(ctx: Tracked): AnswerRecorder | undefined {
  const recorder = ctx[RECORDER];
  ctx[RECORDER] = undefined;
  return recorder;
}

/**
 * A handler that sets `ctx.respond = false` writes `ctx.res` itself, maybe after next() has resolved:
 * its answer is then recorded on the raw response (or it would never be stored). `respond` becomes
 * an accessor once per app context (the prototype of every ctx) rather than a wrapper per request:
 * wrapping each response's own methods measured ~8% of a miss.
 */
function watchRespond(ctx: Context): void {
  // One property read per miss once installed: no descriptor object made per request.
  const proto = Object.getPrototypeOf(ctx) as { [WATCHED]?: true };
  if (proto[WATCHED]) return;
  Object.defineProperty(proto, 'respond', { configurable: true, enumerable: true, get: getRespond, set: setRespond });
  proto[WATCHED] = true;
}

function getRespond(this: Tracked): boolean | undefined {
  return this[RESPOND];
}

function setRespond(this: Tracked, value: boolean): void {
  this[RESPOND] = value;
  if (value !== false) return;
  const recorder = takeRecorder(this);
  if (recorder) recordNodeResponse(this.res, recorder);
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
    const tracked = ctx as Tracked;
    if (decision.recorder) {
      watchRespond(ctx);
      tracked[RECORDER] = decision.recorder;
    }
    try {
      await next();
    } catch (error) {
      takeRecorder(tracked)?.abort();
      throw error;
    }
    // Koa's own send path; with `ctx.respond = false` the handler took the raw response (and the recorder).
    const recorder = takeRecorder(tracked);
    if (recorder) record(ctx, recorder);
  }) as VectorcacheMiddleware;
  middleware.guard = guard;
  return middleware;
}

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
