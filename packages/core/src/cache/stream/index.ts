// Streamed answers: capture of SSE misses, the canonical completion, and its replay in either form.
export { SseParser, type SseEvent, type SseFailure, type SseParserOptions } from './sse-parser.js';
export { StreamAssembler, type AssemblerOptions } from './reassemble.js';
export { StreamCapture, isEventStream, type StreamCaptureOptions } from './capture.js';
export { parseCompletion, asCompletion } from './completion.js';
export { replayFrames, replayText, replayBody, replayable, wordGroups, charPieces, type ReplayOptions, type PacedReplayOptions } from './replay.js';
export { ReplayCache, type ReplayCacheOptions } from './replay-cache.js';
export { adaptFrame, canFollow } from './forms.js';
export { answerForm } from './types.js';
export type { AnswerForm, ChatCompletion, CompletionChoice, CompletionMessage, CompletionToolCall, CompletionUsage, StreamRejection, StreamVerdict } from './types.js';
