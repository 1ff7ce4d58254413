// Express adapter: translates a request into the guard's view and applies the decision.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createGuard, decideNode, internalErrorDecision, isGuard, recordNodeResponse, sendDecision, stateOf,
  type Guard, type GuardOptions, type VectorcacheState,
} from '@vectorcache/core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The guard's decision and the authenticated principal; set on requests the handler sees. */
      vectorcache?: VectorcacheState;
    }
  }
}

export type VectorcacheMiddleware = RequestHandler & { guard: Guard };

/** Express middleware: `app.use(vectorcache(options))` or `app.use(vectorcache(guard))`. */
export function vectorcache(optionsOrGuard: GuardOptions | Guard): VectorcacheMiddleware {
  const guard = isGuard(optionsOrGuard) ? optionsOrGuard : createGuard(optionsOrGuard);

  async function run(req: Request, res: Response, next: NextFunction): Promise<void> {
    // A body parser that ran before us already consumed the stream; otherwise the guard reads it after the key check.
    const parsed = req.body !== undefined || req.readableEnded ? { body: req.body as unknown } : undefined;
    const decision = await decideNode(guard, req, req.originalUrl, req, parsed);
    if (decision.kind !== 'pass') {
      sendDecision(res, decision, req.method);
      return;
    }
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    req.vectorcache = stateOf(decision);
    if (decision.body !== undefined) req.body = decision.body;
    // JSON answers and SSE streams alike: the recorder sees each chunk as it goes out.
    if (decision.recorder) recordNodeResponse(res, decision.recorder);
    next();
  }

  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    // Express 4 ignores a rejected promise, and Express's own error page shows stack traces outside
    // production: a failure of the guard is answered here, refused, as problem+json.
    run(req, res, next).catch((error: unknown) => {
      if (res.headersSent) { next(error); return; }
      sendDecision(res, internalErrorDecision(req, guard), req.method);
    });
  }) as VectorcacheMiddleware;
  middleware.guard = guard;
  return middleware;
}

export default vectorcache;
export type { Guard, GuardOptions, VectorcacheState } from '@vectorcache/core';
