// Reading a stored answer as a canonical chat.completion, so either form of request can be served from it.
import type { ChatCompletion, CompletionChoice, CompletionMessage, CompletionToolCall } from './types.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const optionalString = (value: unknown): value is string | null | undefined => value === undefined || value === null || typeof value === 'string';

/**
 * The stored JSON text as a chat completion, or undefined when it is something else (another
 * JSON API behind the guarded route, content given as parts, a malformed tool call): such an
 * entry still answers JSON requests verbatim, but cannot be replayed as a stream.
 */
export function parseCompletion(text: string, fallbackCreated?: number): ChatCompletion | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return asCompletion(value, fallbackCreated);
}

/**
 * The same check on an already parsed value. Some OpenAI-compatible servers leave out `created`:
 * `fallbackCreated` (e.g. the entry's creation, in seconds) then stands in for it in replays.
 */
export function asCompletion(value: unknown, fallbackCreated?: number): ChatCompletion | undefined {
  if (!isObject(value) || value.object !== 'chat.completion' || !Array.isArray(value.choices) || value.choices.length === 0) return undefined;
  const { id, model } = value;
  const created = value.created ?? fallbackCreated;
  if (typeof id !== 'string' || typeof model !== 'string' || typeof created !== 'number' || !Number.isFinite(created)) return undefined;
  const out: Json = value.created === undefined ? { ...value, created } : value;
  if (!optionalString(out.system_fingerprint) || !optionalString(out.service_tier)) return undefined;
  if (out.usage !== undefined && out.usage !== null && !isObject(out.usage)) return undefined;
  if (!value.choices.every(isChoice)) return undefined;
  return out as unknown as ChatCompletion;
}

function isChoice(choice: unknown): choice is CompletionChoice {
  if (!isObject(choice) || !Number.isSafeInteger(choice.index) || (choice.index as number) < 0) return false;
  if (!optionalString(choice.finish_reason)) return false;
  if (choice.logprobs !== undefined && choice.logprobs !== null && !isObject(choice.logprobs)) return false;
  return isMessage(choice.message);
}

function isMessage(message: unknown): message is CompletionMessage {
  if (!isObject(message) || typeof message.role !== 'string') return false;
  if (!optionalString(message.content) || !optionalString(message.refusal)) return false;
  if (!optionalString(message.reasoning_content) || !optionalString(message.reasoning)) return false;
  if (message.function_call !== undefined && message.function_call !== null && !isFunction(message.function_call)) return false;
  const tools = message.tool_calls;
  return tools === undefined || tools === null || (Array.isArray(tools) && tools.every(isToolCall));
}

function isFunction(fn: unknown): fn is { name: string; arguments: string } {
  return isObject(fn) && typeof fn.name === 'string' && typeof fn.arguments === 'string';
}

function isToolCall(call: unknown): call is CompletionToolCall {
  return isObject(call) && typeof call.id === 'string' && typeof call.type === 'string' && isFunction(call.function);
}
