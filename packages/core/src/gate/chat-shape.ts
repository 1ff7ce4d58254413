// The OpenAI chat request shape: the default body check of guarded routes (pluggable as `validateBody`).

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

/** Checks an object body of a route; a message says what is wrong (400 `invalid_body`), undefined accepts it. */
export type BodyValidator = (body: Record<string, unknown>, route: { method: string; path: string }) => string | undefined;

/**
 * A light check of the OpenAI chat shape, so garbage never reaches the cache or the handler. On a
 * chat route (a path ending in `/chat/completions`) `messages` is required; elsewhere it is checked
 * when present.
 */
export function chatShapeError(body: Record<string, unknown>, route?: { method: string; path: string }): string | undefined {
  if ('model' in body && typeof body.model !== 'string') return '`model` must be a string.';
  if (!('messages' in body)) {
    return route && route.method === 'POST' && route.path.endsWith('/chat/completions') ? '`messages` is required on a chat completions route.' : undefined;
  }
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
