// The canonical chat completion a cache entry holds, whichever form (JSON or SSE) produced it.

/** Token counts as OpenAI reports them; extra members (e.g. `prompt_tokens_details`) are kept. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export interface CompletionToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface CompletionMessage {
  role: string;
  content: string | null;
  refusal: string | null;
  tool_calls?: CompletionToolCall[];
  /** Deprecated single function call (pre tool calls). */
  function_call?: { name: string; arguments: string };
  /** Reasoning text of reasoning models: DeepSeek / vLLM (`reasoning_content`), OpenRouter / Ollama (`reasoning`). */
  reasoning_content?: string;
  reasoning?: string;
  /** Other message members a provider sends (e.g. `annotations`): kept as they came. */
  [field: string]: unknown;
}

export interface CompletionChoice {
  index: number;
  message: CompletionMessage;
  finish_reason: string | null;
  logprobs: { content: unknown[] | null; refusal: unknown[] | null; [field: string]: unknown } | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint?: string | null;
  service_tier?: string | null;
  choices: CompletionChoice[];
  usage?: CompletionUsage | null;
}

/** Why a captured stream is not stored; each is counted. */
export type StreamRejection =
  /** The stream ended (or was cut) before `data: [DONE]`. */
  | 'stream_incomplete'
  /** A frame was not a well-formed `chat.completion.chunk`, bytes were not UTF-8, or frames followed `[DONE]`. */
  | 'stream_malformed'
  /** A choice finished with `length` or `content_filter`: a partial answer is never replayed as a whole one. */
  | 'stream_truncated'
  /** The stream carried an error frame (`event: error`, or a frame with an `error` member). */
  | 'stream_error'
  /** Capture outgrew `maxEntryBytes` and gave up (the live stream went on untouched). */
  | 'stream_too_large';

export type StreamVerdict =
  | { storable: true; completion: ChatCompletion }
  | { storable: false; reason: StreamRejection };

/** The form a client asked for: a JSON answer, or SSE with or without the usage chunk. */
export type AnswerForm = { stream: false } | { stream: true; includeUsage: boolean };

/** The form a chat request body asks for (`stream`, `stream_options.include_usage`). */
export function answerForm(body: unknown): AnswerForm {
  if (body === null || typeof body !== 'object' || (body as { stream?: unknown }).stream !== true) return { stream: false };
  const options = (body as { stream_options?: unknown }).stream_options;
  const includeUsage = options !== null && typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true;
  return { stream: true, includeUsage };
}
