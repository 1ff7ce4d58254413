// Stage 6: the body as read — read errors, declared size, and the request shape the route expects.
import type { HeaderMap } from '../types.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, type BodyError } from '../body.js';
import type { DenyDecision } from '../contract.js';
import type { RequestContext } from './context.js';
import { firstHeader } from '../headers.js';
import type { Replies } from './replies.js';
import type { BodyValidator } from './chat-shape.js';

export class BodyPolicy {
  readonly #maxBodyBytes: number;
  readonly #validate: BodyValidator | false;
  readonly #replies: Replies;

  constructor(o: { maxBodyBytes: number; validateBody: BodyValidator | false }, replies: Replies) {
    this.#maxBodyBytes = o.maxBodyBytes;
    this.#validate = o.validateBody;
    this.#replies = replies;
  }

  /** Read problems, reported only now that the caller is authenticated. */
  checkRead(bodyError: BodyError | undefined, headers: HeaderMap, ctx: RequestContext): DenyDecision | undefined {
    if (bodyError) return this.#replies.deny(bodyError, ctx);
    const declared = Number(firstHeader(headers, 'content-length'));
    if (Number.isFinite(declared) && declared > this.#maxBodyBytes) return this.#replies.deny('body_too_large', ctx);
    return undefined;
  }

  /** Nesting within the cap also for a body a framework parsed (ours is capped while reading), then the route's shape. */
  checkShape(body: Record<string, unknown>, ctx: RequestContext, depthChecked = false): DenyDecision | undefined {
    if (!depthChecked && jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      return this.#replies.deny('invalid_body', ctx, { detail: `The body is nested deeper than ${MAX_JSON_DEPTH} levels.` });
    }
    if (!this.#validate) return undefined;
    let shape: string | undefined;
    try {
      shape = this.#validate(body, { method: ctx.method, path: ctx.path });
    } catch {
      shape = 'The request body was refused by the body validator.'; // a validator's bug fails closed
    }
    return typeof shape === 'string' ? this.#replies.deny('invalid_body', ctx, { detail: shape }) : undefined;
  }
}
