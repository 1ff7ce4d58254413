// Serving one live stream in another client's form: a follower that did not ask for usage never sees it.
import type { AnswerForm } from './types.js';

/**
 * How a frame of a stream made in `source` form is shown to a client that asked for `target`:
 * the data to send, or undefined to leave the frame out. Only the usage differs between stream forms;
 * a client asking for usage cannot be served from a stream without it (see `canFollow`).
 */
export function adaptFrame(data: string, source: AnswerForm, target: AnswerForm): string | undefined {
  if (!source.stream || !target.stream || !source.includeUsage || target.includeUsage || data === '[DONE]') return data;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return data;
  }
  if (frame === null || typeof frame !== 'object' || !('usage' in frame)) return data;
  const { usage, ...rest } = frame as { usage: unknown; choices?: unknown };
  // The extra usage chunk (`choices: []`) exists only because the other client asked for it.
  if (usage !== null && Array.isArray(rest.choices) && rest.choices.length === 0) return undefined;
  return JSON.stringify(rest);
}

/** Whether a client asking for `target` can be given a live stream made in `source` form. */
export function canFollow(source: AnswerForm, target: AnswerForm): boolean {
  if (!source.stream || !target.stream) return false;
  return source.includeUsage || !target.includeUsage;
}
