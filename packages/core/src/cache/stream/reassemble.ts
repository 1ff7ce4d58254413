// Folds chat.completion.chunk frames into the canonical chat.completion, and judges whether it may be stored.
import type { ChatCompletion, CompletionChoice, CompletionToolCall, CompletionUsage, StreamRejection, StreamVerdict } from './types.js';
import { FrameTemplate } from './frame-template.js';

type TextField = 'content' | 'refusal' | 'reasoning_content' | 'reasoning';

type Json = Record<string, unknown>;

interface ChoiceState {
  index: number;
  role: string | undefined;
  /** Joined text per member (content, refusal, reasoning_content, reasoning); undefined until a delta carries it. */
  text: Partial<Record<TextField, string>>;
  /** Other delta members (e.g. `annotations`), last value wins. */
  extra: Json;
  tools: Array<CompletionToolCall | undefined>;
  functionCall: { name: string; arguments: string } | undefined;
  finish: string | null;
  logContent: unknown[] | null;
  logRefusal: unknown[] | null;
  logSeen: boolean;
}

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const isIndex = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** Upper bound on choices and tool calls per choice: indexes address arrays, so a huge index is refused, not allocated. */
const MAX_INDEX = 1024;

export interface AssemblerOptions {
  /** Most characters of answer (text, arguments, logprobs frames) kept; past it the verdict is `stream_too_large`. */
  maxBytes: number;
  /** Read plain content frames through a template instead of parsing each in full (same verdicts, less CPU). Defaults to true. */
  fastPath?: boolean;
}

/** Templates learnt per stream at most: a stream whose frames keep changing shape is simply parsed in full. */
const MAX_TEMPLATES = 8;

/**
 * Feed it the data of each event in order (`[DONE]` included), then `finish()`. Never throws: a bad
 * frame only decides the verdict. Unknown top-level chunk members (e.g. `obfuscation` padding) are
 * not kept: the canonical entry holds id, created, model, system_fingerprint, service_tier,
 * choices and usage.
 */
export class StreamAssembler {
  readonly #maxBytes: number;
  #kept = 0;
  #rejection: StreamRejection | undefined;
  #done = false;
  #head: { id: string; created: number; model: string; system_fingerprint?: string | null; service_tier?: string | null } | undefined;
  readonly #choices = new Map<number, ChoiceState>();
  #usage: CompletionUsage | null | undefined;
  readonly #fastPath: boolean;
  #template: FrameTemplate | undefined;
  #templates = 0;
  #templated = 0;

  constructor(options: AssemblerOptions) {
    this.#maxBytes = options.maxBytes;
    this.#fastPath = options.fastPath ?? true;
  }

  /** The reason already decided (the stream can no longer be stored), if any. */
  get rejection(): StreamRejection | undefined {
    return this.#rejection;
  }

  /** Frames read through a template rather than parsed in full. */
  get templated(): number {
    return this.#templated;
  }

  /** True once `[DONE]` was seen. */
  get done(): boolean {
    return this.#done;
  }

  /** Marks the stream as not storable (first reason wins): capture-level failures land here too. */
  reject(reason: StreamRejection): void {
    this.#rejection ??= reason;
    this.#choices.clear();
  }

  /** One event: its type (undefined = `message`) and data. */
  push(data: string, event?: string): void {
    if (this.#rejection) return;
    if (event === 'error') { this.reject('stream_error'); return; }
    if (event !== undefined && event !== 'message') { this.reject('stream_malformed'); return; }
    if (this.#done) { this.reject('stream_malformed'); return; }
    if (data === '[DONE]') {
      this.#done = true;
      return;
    }
    const content = this.#template?.content(data);
    if (content !== undefined) { this.#addContent(this.#template!.choice, content); return; }
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      this.reject('stream_malformed');
      return;
    }
    if (isObject(frame) && frame.error !== undefined && frame.error !== null) { this.reject('stream_error'); return; }
    if (!isObject(frame) || frame.object !== 'chat.completion.chunk' || !Array.isArray(frame.choices)) { this.reject('stream_malformed'); return; }
    if (!this.#takeHead(frame)) { this.reject('stream_malformed'); return; }
    if (isObject(frame.usage)) this.#usage = frame.usage as CompletionUsage;
    for (const choice of frame.choices) {
      if (!this.#takeChoice(choice, data.length)) { this.reject('stream_malformed'); return; }
      if (this.#kept > this.#maxBytes) { this.reject('stream_too_large'); return; }
    }
    if (this.#fastPath && this.#templates < MAX_TEMPLATES) this.#learn(data, frame);
  }

  /**
   * A whole SSE chunk that may be one plain content event (`data: <frame>\n\n`), for a parser that
   * is between events: true when the template read it (as `push` would have), false when the
   * chunk must go through the parser.
   */
  pushChunk(chunk: string): boolean {
    if (this.#rejection || this.#done || !this.#template) return false;
    const content = this.#template.wireContent(chunk);
    if (content === undefined) return false;
    this.#addContent(this.#template.choice, content);
    return true;
  }

  #learn(data: string, frame: Json): void {
    const template = FrameTemplate.from(data, frame);
    if (!template) return;
    this.#template = template;
    this.#templates++;
  }

  /** A frame read through the template: its content joins the choice's (accepted when the template was learnt). */
  #addContent(index: number, content: string): void {
    this.#templated++;
    const state = this.#choices.get(index)!;
    state.text.content = (state.text.content ?? '') + content;
    this.#kept += content.length;
    if (this.#kept > this.#maxBytes) this.reject('stream_too_large');
  }

  /** The verdict once the stream is over (`[DONE]` seen or not). */
  finish(): StreamVerdict {
    if (this.#rejection) return { storable: false, reason: this.#rejection };
    if (!this.#done) return { storable: false, reason: 'stream_incomplete' };
    const head = this.#head;
    if (!head || this.#choices.size === 0) return { storable: false, reason: 'stream_malformed' };
    const choices: CompletionChoice[] = [];
    for (const state of [...this.#choices.values()].sort((a, b) => a.index - b.index)) {
      if (state.finish === 'length' || state.finish === 'content_filter') return { storable: false, reason: 'stream_truncated' };
      const choice = finalChoice(state);
      if (!choice) return { storable: false, reason: 'stream_malformed' };
      choices.push(choice);
    }
    const completion: ChatCompletion = { id: head.id, object: 'chat.completion', created: head.created, model: head.model, choices };
    if (head.system_fingerprint !== undefined) completion.system_fingerprint = head.system_fingerprint;
    if (head.service_tier !== undefined) completion.service_tier = head.service_tier;
    if (this.#usage) completion.usage = this.#usage;
    return { storable: true, completion };
  }

  /** The chunk's identity; every chunk of one stream must agree on id and model. */
  #takeHead(frame: Json): boolean {
    const { id, created, model } = frame;
    if (typeof id !== 'string' || typeof model !== 'string' || typeof created !== 'number' || !Number.isFinite(created)) return false;
    const head = this.#head;
    if (!head) {
      this.#head = { id, created, model };
    } else if (head.id !== id || head.model !== model) {
      return false;
    }
    const target = this.#head!;
    if (typeof frame.system_fingerprint === 'string' || frame.system_fingerprint === null) target.system_fingerprint ??= frame.system_fingerprint;
    if (typeof frame.service_tier === 'string' || frame.service_tier === null) target.service_tier = frame.service_tier;
    return true;
  }

  #takeChoice(raw: unknown, frameLength: number): boolean {
    if (!isObject(raw) || !isIndex(raw.index) || raw.index > MAX_INDEX) return false;
    let state = this.#choices.get(raw.index);
    if (!state) {
      state = { index: raw.index, role: undefined, text: {}, extra: {}, tools: [], functionCall: undefined, finish: null, logContent: null, logRefusal: null, logSeen: false };
      this.#choices.set(raw.index, state);
    }
    if (typeof raw.finish_reason === 'string') state.finish = raw.finish_reason;
    else if (raw.finish_reason !== null && raw.finish_reason !== undefined) return false;
    if (isObject(raw.logprobs)) {
      if (!this.#takeLogprobs(state, raw.logprobs, frameLength)) return false;
    } else if (raw.logprobs !== null && raw.logprobs !== undefined) return false;
    const delta = raw.delta;
    if (delta === undefined) return true;
    return isObject(delta) && this.#takeDelta(state, delta);
  }

  /** One delta: a `for…in` and a switch, as this runs for every frame of every captured stream. */
  #takeDelta(state: ChoiceState, delta: Json): boolean {
    for (const field in delta) {
      const value = delta[field];
      if (value === null || value === undefined) continue;
      switch (field) {
        case 'content': case 'refusal': case 'reasoning_content': case 'reasoning':
          if (typeof value !== 'string') return false;
          state.text[field] = (state.text[field] ?? '') + value;
          this.#kept += value.length;
          break;
        case 'role':
          if (typeof value !== 'string') return false;
          state.role = value;
          break;
        case 'tool_calls':
          if (!Array.isArray(value) || !value.every((call) => this.#takeToolCall(state, call))) return false;
          break;
        case 'function_call': {
          if (!isObject(value)) return false;
          const call = (state.functionCall ??= { name: '', arguments: '' });
          if (!joinFunction(call, value)) return false;
          this.#kept += typeof value.arguments === 'string' ? value.arguments.length : 0;
          break;
        }
        default:
          if (field !== '__proto__') state.extra[field] = value;
      }
    }
    return true;
  }

  /** id, type and function.name come from the first delta that carries them; arguments are joined per index. */
  #takeToolCall(state: ChoiceState, raw: unknown): boolean {
    if (!isObject(raw) || !isIndex(raw.index) || raw.index > MAX_INDEX) return false;
    const call = (state.tools[raw.index] ??= { id: '', type: '', function: { name: '', arguments: '' } });
    if (raw.id !== undefined && raw.id !== null) {
      if (typeof raw.id !== 'string') return false;
      if (call.id === '') call.id = raw.id;
    }
    if (raw.type !== undefined && raw.type !== null) {
      if (typeof raw.type !== 'string') return false;
      if (call.type === '') call.type = raw.type;
    }
    if (raw.function === undefined || raw.function === null) return true;
    if (!isObject(raw.function)) return false;
    this.#kept += typeof raw.function.arguments === 'string' ? raw.function.arguments.length : 0;
    return joinFunction(call.function, raw.function);
  }

  #takeLogprobs(state: ChoiceState, logprobs: Json, frameLength: number): boolean {
    const { content, refusal } = logprobs;
    if ((content !== null && content !== undefined && !Array.isArray(content)) || (refusal !== null && refusal !== undefined && !Array.isArray(refusal))) return false;
    state.logSeen = true;
    if (Array.isArray(content)) (state.logContent ??= []).push(...(content as unknown[]));
    if (Array.isArray(refusal)) (state.logRefusal ??= []).push(...(refusal as unknown[]));
    // Logprobs are objects: the frame's length bounds their size without serialising them again.
    this.#kept += frameLength;
    return true;
  }
}

function joinFunction(target: { name: string; arguments: string }, raw: Json): boolean {
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== 'string') return false;
    if (target.name === '') target.name = raw.name;
  }
  if (raw.arguments !== undefined && raw.arguments !== null) {
    if (typeof raw.arguments !== 'string') return false;
    target.arguments += raw.arguments;
  }
  return true;
}

/** A finished choice, or undefined when the stream never said how it ended or left a hole among tool calls. */
function finalChoice(state: ChoiceState): CompletionChoice | undefined {
  if (state.finish === null) return undefined;
  const message: CompletionChoice['message'] = {
    ...state.extra,
    role: state.role ?? 'assistant',
    content: state.text.content ?? null,
    refusal: state.text.refusal ?? null,
  };
  for (const field of ['reasoning_content', 'reasoning'] as const) {
    const text = state.text[field];
    if (text !== undefined) message[field] = text;
  }
  if (state.tools.length > 0) {
    const tools: CompletionToolCall[] = [];
    for (const call of state.tools) {
      if (!call || call.id === '' || call.function.name === '') return undefined;
      tools.push({ id: call.id, type: call.type || 'function', function: call.function });
    }
    message.tool_calls = tools;
  }
  if (state.functionCall) message.function_call = state.functionCall;
  const logprobs = state.logSeen ? { content: state.logContent, refusal: state.logRefusal } : null;
  return { index: state.index, message, finish_reason: state.finish, logprobs };
}
