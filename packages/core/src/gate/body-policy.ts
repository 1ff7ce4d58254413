// Stage 6: the body as read — read errors, declared size, and the request shape the route expects.
import type { HeaderMap } from '../types.js';
import type { BodyError } from '../body.js';
import type { DenyDecision } from '../contract.js';
import type { RequestContext } from './context.js';
import { firstHeader } from './context.js';
import type { Replies } from './replies.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'function', 'developer']);

function contentError(m: Record<string, unknown>, i: number): string | undefined {
  const content = m.content;
  if (content === null || content === undefined) {
    return m.role === 'assistant' ? undefined : `\`messages[${i}].content\` must be a string or an array of content parts.`;
  }
  if (Array.isArray(content)) {
    for (const part of content) {
      if (typeof part !== 'object' || part === null || typeof (part as Record<string, unknown>).type !== 'string') {
        return `\`messages[${i}].content\` parts must be objects with a string \`type\`.`;
      }
    }
    return undefined;
  }
  return typeof content === 'string' ? undefined : `\`messages[${i}].content\` must be a string or an array of content parts.`;
}

/** A light check of the OpenAI chat shape, so garbage never reaches the cache or the handler. */
export function chatShapeError(body: Record<string, unknown>): string | undefined {
  if ('model' in body && typeof body.model !== 'string') return '`model` must be a string.';
  if (!('messages' in body)) return undefined;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return '`messages` must be a non-empty array.';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return `\`messages[${i}]\` must be an object.`;
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) return `\`messages[${i}].role\` must be one of ${[...ROLES].join(', ')}.`;
    const error = contentError(m, i);
    if (error) return error;
  }
  return undefined;
}

export class BodyPolicy {
  readonly #maxBodyBytes: number;
  readonly #replies: Replies;

  constructor(maxBodyBytes: number, replies: Replies) {
    this.#maxBodyBytes = maxBodyBytes;
    this.#replies = replies;
  }

  /** Read problems, reported only now that the caller is authenticated. */
  checkRead(bodyError: BodyError | undefined, headers: HeaderMap, ctx: RequestContext): DenyDecision | undefined {
    if (bodyError) return this.#replies.deny(bodyError, ctx);
    const declared = Number(firstHeader(headers, 'content-length'));
    if (Number.isFinite(declared) && declared > this.#maxBodyBytes) return this.#replies.deny('body_too_large', ctx);
    return undefined;
  }

  /** The shape the route expects of an object body. */
  checkShape(body: Record<string, unknown>, ctx: RequestContext): DenyDecision | undefined {
    const shape = chatShapeError(body);
    return shape ? this.#replies.deny('invalid_body', ctx, { detail: shape }) : undefined;
  }
}
