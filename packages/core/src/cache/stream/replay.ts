// Replays a canonical chat.completion as OpenAI-style SSE: chat.completion.chunk frames, then `data: [DONE]`.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatCompletion, CompletionChoice } from './types.js';

export interface ReplayOptions {
  /** `stream_options.include_usage` of the request: `usage: null` on every chunk, then one `choices: []` chunk with the usage. Defaults to false. */
  includeUsage?: boolean;
  /** Words per content chunk (reasoning and refusal text too). Defaults to 4. */
  chunkWords?: number;
  /** Characters per tool-call arguments chunk (arguments rarely have spaces). Defaults to 32. */
  chunkChars?: number;
}

export interface PacedReplayOptions extends ReplayOptions {
  /** Pause between frames, in milliseconds; 0 sends the whole replay as one write. Defaults to 0 (off). */
  paceMs?: number;
  /** Stops a paced replay early (the client went away). */
  signal?: AbortSignal;
}

const DONE = 'data: [DONE]\n\n';

/** True when the completion can be replayed in the asked form: include_usage needs stored usage. */
export function replayable(completion: ChatCompletion, options: { includeUsage?: boolean }): boolean {
  return !options.includeUsage || (completion.usage !== undefined && completion.usage !== null);
}

/**
 * The frames of a replay, each a whole `data: …\n\n` event, `[DONE]` last. `id` and `created` are
 * the stored ones, exactly as a JSON hit of the same entry shows them: one entry, one identity in
 * both forms (the `Age` header says how old it is). Per choice: a role chunk (with any other
 * message members, e.g. `annotations`), reasoning, content, refusal, tool calls (id, type and name
 * first, then argument pieces), then the finish reason with the logprobs.
 */
export function replayFrames(completion: ChatCompletion, options: ReplayOptions = {}): string[] {
  const frames: string[] = [];
  render(completion, options, (frame) => frames.push(frame));
  return frames;
}

/** The whole replay as one string: one write for the transport, still many events for the client. */
export function replayText(completion: ChatCompletion, options: ReplayOptions = {}): string {
  let text = '';
  render(completion, options, (frame) => { text += frame; });
  return text;
}

function render(completion: ChatCompletion, options: ReplayOptions, emit: (frame: string) => void): void {
  const words = Math.max(1, Math.floor(options.chunkWords ?? 4));
  const chars = Math.max(1, Math.floor(options.chunkChars ?? 32));
  let head = `{"id":${JSON.stringify(completion.id)},"object":"chat.completion.chunk","created":${completion.created},"model":${JSON.stringify(completion.model)}`;
  if (completion.service_tier !== undefined) head += `,"service_tier":${JSON.stringify(completion.service_tier)}`;
  if (completion.system_fingerprint !== undefined) head += `,"system_fingerprint":${JSON.stringify(completion.system_fingerprint)}`;
  head += ',"choices":[';
  const tail = options.includeUsage ? ',"logprobs":null,"finish_reason":null}],"usage":null}\n\n' : ',"logprobs":null,"finish_reason":null}]}\n\n';
  for (const choice of completion.choices) {
    const open = `data: ${head}{"index":${choice.index},"delta":`;
    const frame = (delta: string) => emit(open + delta + tail);
    frame(roleDelta(choice));
    for (const field of ['reasoning_content', 'reasoning', 'content', 'refusal'] as const) {
      const text = choice.message[field];
      if (typeof text !== 'string' || text === '') continue;
      const key = `{"${field}":`;
      for (const piece of wordGroups(text, words)) frame(key + JSON.stringify(piece) + '}');
    }
    toolFrames(choice, chars, frame);
    const logprobs = choice.logprobs === undefined ? 'null' : JSON.stringify(choice.logprobs);
    const usage = options.includeUsage ? ',"usage":null' : '';
    emit(`${open}{},"logprobs":${logprobs},"finish_reason":${JSON.stringify(choice.finish_reason ?? 'stop')}}]${usage}}\n\n`);
  }
  if (options.includeUsage && completion.usage) emit(`data: ${head}],"usage":${JSON.stringify(completion.usage)}}\n\n`);
  emit(DONE);
}

/** A replay as a body to stream: one piece when not paced, else one frame per `paceMs`. */
export async function* replayBody(completion: ChatCompletion, options: PacedReplayOptions = {}): AsyncGenerator<string> {
  const pace = options.paceMs ?? 0;
  if (pace <= 0) {
    yield replayText(completion, options);
    return;
  }
  const frames = replayFrames(completion, options);
  for (let i = 0; i < frames.length; i++) {
    if (i > 0) {
      try {
        await sleep(pace, undefined, { signal: options.signal });
      } catch {
        return;
      }
    }
    yield frames[i]!;
  }
}

/**
 * The first delta of a choice: role, then `content` and `refusal` as "" when the answer has them
 * (null when not), the reasoning fields likewise, and any extra members. Their text follows in pieces.
 */
function roleDelta(choice: CompletionChoice): string {
  const { role, content, refusal, tool_calls: _tools, function_call: _fn, reasoning_content, reasoning, ...extra } = choice.message;
  const start = (text: unknown) => (typeof text === 'string' ? '""' : 'null');
  let delta = `{"role":${JSON.stringify(role)},"content":${start(content)},"refusal":${start(refusal)}`;
  if (typeof reasoning_content === 'string') delta += ',"reasoning_content":""';
  if (typeof reasoning === 'string') delta += ',"reasoning":""';
  for (const [field, value] of Object.entries(extra)) {
    if (value !== undefined) delta += `,${JSON.stringify(field)}:${JSON.stringify(value)}`;
  }
  return delta + '}';
}

function toolFrames(choice: CompletionChoice, chars: number, frame: (delta: string) => void): void {
  const tools = choice.message.tool_calls ?? [];
  for (let index = 0; index < tools.length; index++) {
    const call = tools[index]!;
    const args = call.function.arguments;
    const start = `{"tool_calls":[{"index":${index},`;
    frame(`${start}"id":${JSON.stringify(call.id)},"type":${JSON.stringify(call.type)},"function":{"name":${JSON.stringify(call.function.name)},"arguments":""}}]}`);
    for (const piece of charPieces(args, chars)) frame(`${start}"function":{"arguments":${JSON.stringify(piece)}}}]}`);
  }
  const fn = choice.message.function_call;
  if (fn) {
    frame(`{"function_call":{"name":${JSON.stringify(fn.name)},"arguments":""}}`);
    for (const piece of charPieces(fn.arguments, chars)) frame(`{"function_call":{"arguments":${JSON.stringify(piece)}}}`);
  }
}

/** Unicode white space the way `\s` sees it, with a fast answer for ASCII. */
function isSpace(code: number, text: string, at: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return SPACE.test(text[at]!);
}
const SPACE = /\s/;

/**
 * Text in groups of `words` words (a word keeps the white space before it); a group also ends after
 * 24 × `words` UTF-16 units, so text without spaces (CJK, URLs) is split too, never inside a surrogate
 * pair. Joined back, the groups are exactly the text. A hand loop: a regex split costs ~8× more.
 */
export function wordGroups(text: string, words: number): string[] {
  const groups: string[] = [];
  const longest = 24 * words;
  let start = 0;
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code, text, i)) {
      if (inWord && ++count === words) {
        groups.push(text.slice(start, i));
        start = i;
        count = 0;
      }
      inWord = false;
    } else {
      if (i - start >= longest && !(code >= 0xdc00 && code <= 0xdfff)) {
        groups.push(text.slice(start, i));
        start = i;
        count = 0;
      }
      inWord = true;
    }
  }
  if (start < text.length || groups.length === 0) groups.push(text.slice(start));
  return groups;
}

/** Pieces of about `size` UTF-16 units, never cutting a surrogate pair (other clients join code points, not units). */
export function charPieces(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
