// False-hit guards of semantic matching: which requests may use it, and the signature a candidate must share.
import { findEntities, findLiterals, hasNegation } from './text/literals.js';

/** Which guards are on; each defaults to true. A guard that is off contributes a constant to the signature. */
export interface SemanticGuardOptions {
  /** Numbers, quoted strings, code spans, URLs, e-mail-like tokens, paths and identifiers must be identical. Defaults to true. */
  literals?: boolean;
  /** A negation ("not", "never", "without", "don't"…) on one side only is no hit. Defaults to true. */
  negation?: boolean;
  /** Capitalised names (not at a sentence start) and acronyms must be identical, in order. Defaults to true. */
  entities?: boolean;
}

/**
 * What a candidate must share with the query, in canonical text. Stored only as a keyed digest
 * (see `signatureKey`): the literals are low-entropy, so an unkeyed hash could be brute-forced.
 */
export interface SemanticSignature {
  /** Literals by kind, in order of appearance within a kind, `kind:value` joined by U+001F (empty when none or the guard is off). */
  literals: string;
  negated: boolean;
  /** Entities lowercased, in order, joined by U+001F. */
  entities: string;
}

const SEP = '\u001f';

/** The signature of a last user message; equal signatures are required for a semantic hit. */
export function semanticSignature(text: string, guards: SemanticGuardOptions = {}): SemanticSignature {
  const { literals, rest } = findLiterals(text);
  return {
    literals: guards.literals === false ? '' : literals.map((l) => `${l.kind}:${l.value}`).join(SEP),
    negated: guards.negation === false ? false : hasNegation(rest),
    entities: guards.entities === false ? '' : findEntities(rest).map((e) => e.value).join(SEP),
  };
}

/**
 * One canonical string of a signature, versioned, for the integration to HMAC (with a key derived
 * from the encryption secret) and fold into the partition: candidates then share it by construction.
 */
export function signatureKey(signature: SemanticSignature): string {
  return ['sig1', signature.negated ? 'neg' : 'pos', signature.literals, signature.entities].join('\u001e');
}

export function sameSignature(a: SemanticSignature, b: SemanticSignature): boolean {
  return a.negated === b.negated && a.literals === b.literals && a.entities === b.entities;
}

/** Minimums below which a last user message is never matched semantically. */
export const SEMANTIC_MIN_WORDS = 3;
export const SEMANTIC_MIN_CHARS = 12;
/** Longer last messages are not matched semantically: a long prompt's meaning rests on details an embedding blurs. */
export const SEMANTIC_MAX_CHARS = 4096;

export type SemanticIneligibleReason =
  | 'no_user_message' | 'tool_turn' | 'non_text_content' | 'too_short' | 'too_long' | 'n_gt_1' | 'logprobs';

export type SemanticEligibility = { eligible: true; text: string } | { eligible: false; reason: SemanticIneligibleReason };

export interface SemanticEligibilityOptions {
  /** Defaults to SEMANTIC_MIN_WORDS (3). */
  minWords?: number;
  /** Defaults to SEMANTIC_MIN_CHARS (12). */
  minChars?: number;
  /** Defaults to SEMANTIC_MAX_CHARS (4096). */
  maxChars?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The text of the last message when it is a user message made of text only; undefined otherwise
 * (no messages, the last turn is a tool/function/assistant turn, or it holds images, audio or files).
 */
export function lastUserMessageText(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body.messages)) return undefined;
  const last = body.messages[body.messages.length - 1] as unknown;
  if (!isObject(last) || last.role !== 'user') return undefined;
  const content = last.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as unknown[]) {
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') return undefined;
    parts.push(part.text);
  }
  return parts.join('\n');
}

/**
 * The request minus the text of its last user message (the content becomes null), for the partition
 * HMAC: candidates must share the system prompt, earlier turns, tools and every parameter.
 * Returns the body unchanged when its last message is not a user message.
 */
export function withoutLastUserMessage(body: unknown): unknown {
  if (!isObject(body) || !Array.isArray(body.messages) || body.messages.length === 0) return body;
  const messages = body.messages as unknown[];
  const last = messages[messages.length - 1];
  if (!isObject(last) || last.role !== 'user') return body;
  return { ...body, messages: [...messages.slice(0, -1), { ...last, content: null }] };
}

/** Whether a chat-completions request may be matched semantically, and the text to embed when it may. */
export function semanticEligibility(body: unknown, options: SemanticEligibilityOptions = {}): SemanticEligibility {
  const minWords = options.minWords ?? SEMANTIC_MIN_WORDS;
  const minChars = options.minChars ?? SEMANTIC_MIN_CHARS;
  const maxChars = options.maxChars ?? SEMANTIC_MAX_CHARS;
  if (!isObject(body) || !Array.isArray(body.messages) || body.messages.length === 0) return no('no_user_message');
  const last = body.messages[body.messages.length - 1] as unknown;
  if (isObject(last) && (last.role === 'tool' || last.role === 'function')) return no('tool_turn');
  if (typeof body.n === 'number' && body.n > 1) return no('n_gt_1');
  if (body.logprobs === true || (typeof body.top_logprobs === 'number' && body.top_logprobs > 0)) return no('logprobs');
  const text = lastUserMessageText(body);
  if (text === undefined) return no(isObject(last) && last.role === 'user' ? 'non_text_content' : 'no_user_message');
  const trimmed = text.trim();
  if (trimmed.length < minChars || (trimmed.match(/[\p{L}\p{N}]+/gu)?.length ?? 0) < minWords) return no('too_short');
  if (trimmed.length > maxChars) return no('too_long');
  return { eligible: true, text: trimmed };
}

/** False when an answer must not be indexed for semantic reuse (cut by the token limit, or no choice). */
export function semanticStorable(response: unknown): boolean {
  if (!isObject(response) || !Array.isArray(response.choices) || response.choices.length === 0) return false;
  return response.choices.every((c: unknown) => isObject(c) && c.finish_reason !== 'length');
}

const no = (reason: SemanticIneligibleReason): SemanticEligibility => ({ eligible: false, reason });
