// Fast path for the frames a stream is mostly made of: only the content text (and OpenAI's obfuscation padding) changes.

type Json = Record<string, unknown>;

const HEAD_KEYS = new Set(['id', 'object', 'created', 'model', 'system_fingerprint', 'service_tier', 'choices', 'usage', 'obfuscation']);
const CHOICE_KEYS = new Set(['index', 'delta', 'logprobs', 'finish_reason']);
const CONTENT_KEY = '{"content":';
const OBFUSCATION_KEY = '"obfuscation":';
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Where the JSON string token that starts at `pos` ends (just after its closing quote), looking no
 * further than `limit`: negated when it holds escapes (then JSON.parse decodes it), -1 when it is
 * unterminated or holds a raw control character (invalid JSON). Without escapes the value is the
 * text between the quotes, so JSON.parse and its fixed cost per call are skipped for nearly every frame.
 */
function stringEnd(text: string, pos: number, limit = text.length): number {
  if (text.charCodeAt(pos) !== QUOTE) return -1;
  let escaped = false;
  for (let i = pos + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return escaped ? -(i + 1) : i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    }
  }
  return -1;
}

/** A frame with one choice whose delta is only `content`, no finish reason, logprobs or usage. */
function isPlainContent(frame: Json): boolean {
  for (const key in frame) if (!HEAD_KEYS.has(key)) return false;
  if (frame.usage !== undefined && frame.usage !== null) return false;
  if (frame.obfuscation !== undefined && typeof frame.obfuscation !== 'string') return false;
  const choices = frame.choices as unknown[];
  if (choices.length !== 1) return false;
  const choice = choices[0] as Json;
  for (const key in choice) if (!CHOICE_KEYS.has(key)) return false;
  if ((choice.finish_reason ?? null) !== null || (choice.logprobs ?? null) !== null) return false;
  const delta = choice.delta as Json | undefined;
  return delta !== undefined && typeof delta.content === 'string' && Object.keys(delta).length === 1;
}

/**
 * The text of a plain content frame cut around its string slots (the content, then the optional
 * obfuscation). A later frame made of the same literal text around other string tokens has the
 * same structure and values but for those strings (JSON is context-free), so its content is all
 * that needs reading: the string token is still parsed, and so validated, by JSON.parse.
 */
export class FrameTemplate {
  readonly #parts: string[];
  /** The same cut of the whole SSE chunk `data: <frame>\n\n`, when no part holds a line break (else undefined). */
  readonly #wire: string[] | undefined;
  /** Index of the choice the template's frames add to. */
  readonly choice: number;

  private constructor(parts: string[], choice: number) {
    this.#parts = parts;
    this.choice = choice;
    if (parts.some((part) => /[\r\n]/.test(part))) return;
    const wire = [...parts];
    wire[0] = `data: ${wire[0]}`;
    wire[wire.length - 1] += '\n\n';
    this.#wire = wire;
  }

  /** A template from a frame already parsed in full and accepted, or undefined when it is no plain content frame. */
  static from(data: string, frame: Json): FrameTemplate | undefined {
    if (!isPlainContent(frame)) return undefined;
    const choice = (frame.choices as Json[])[0]!;
    const withObfuscation = typeof frame.obfuscation === 'string';
    for (let at = data.indexOf(CONTENT_KEY); at !== -1; at = data.indexOf(CONTENT_KEY, at + 1)) {
      const start = at + CONTENT_KEY.length;
      const end = Math.abs(stringEnd(data, start));
      if (end === 1) continue;
      const parts = [data.slice(0, start), data.slice(end)];
      if (withObfuscation && !splitObfuscation(parts)) continue;
      // Proof by substitution: markers in the slots must come back as exactly those members.
      const expected = { ...frame, choices: [{ ...choice, delta: { content: '\u0001c' } }], ...(withObfuscation ? { obfuscation: '\u0001o' } : {}) };
      const probe = withObfuscation ? parts[0] + '"\\u0001c"' + parts[1] + '"\\u0001o"' + parts[2] : parts[0] + '"\\u0001c"' + parts[1];
      try {
        if (JSON.stringify(JSON.parse(probe)) === JSON.stringify(expected)) return new FrameTemplate(parts, choice.index as number);
      } catch {
        // not the slot: try the next occurrence
      }
    }
    return undefined;
  }

  /** The content of a frame shaped like this template, or undefined (then the frame is parsed in full). */
  content(data: string): string | undefined {
    return this.#read(data, this.#parts);
  }

  /**
   * The content of a whole SSE chunk holding one such frame as its one data line, or undefined.
   * The slots hold no raw control character, so no line break either: the chunk is that one event.
   */
  wireContent(chunk: string): string | undefined {
    return this.#wire && this.#read(chunk, this.#wire);
  }

  #read(data: string, parts: string[]): string | undefined {
    const head = parts[0]!;
    const tail = parts[parts.length - 1]!;
    // Both ends first, each one string comparison (slice and ===: startsWith with a search string
    // that is not a compile-time constant compares a character at a time, ~10× slower).
    const limit = data.length - tail.length;
    if (limit < head.length + 2 || data.slice(0, head.length) !== head || !data.endsWith(tail)) return undefined;
    const found = stringEnd(data, head.length, limit);
    if (found === -1) return undefined;
    const end = found < 0 ? -found : found;
    if (parts.length === 3 ? !restIsString(data, parts[1]!, end, limit) : end !== limit) return undefined;
    if (found > 0) return data.slice(head.length + 1, end - 1);
    return decodeString(data.slice(head.length, end));
  }
}

/** After the content slot: the middle text, then one more string token (the padding) that ends where the tail starts. */
function restIsString(data: string, middle: string, from: number, limit: number): boolean {
  if (data.slice(from, from + middle.length) !== middle) return false;
  const found = stringEnd(data, from + middle.length, limit);
  if ((found < 0 ? -found : found) !== limit) return false;
  // Padding with escapes (OpenAI's never has any): only its validity matters.
  return found > 0 || decodeString(data.slice(from + middle.length, limit)) !== undefined;
}

/** A JSON string token's value, or undefined when the token is not valid JSON. */
function decodeString(token: string): string | undefined {
  try {
    return JSON.parse(token) as string;
  } catch {
    return undefined;
  }
}

/** Splits the text after the content slot around the obfuscation string; false when it is not found. */
function splitObfuscation(parts: string[]): boolean {
  const tail = parts[1]!;
  const at = tail.lastIndexOf(OBFUSCATION_KEY);
  if (at === -1) return false;
  const start = at + OBFUSCATION_KEY.length;
  const end = Math.abs(stringEnd(tail, start));
  if (end === 1) return false;
  parts.splice(1, 1, tail.slice(0, start), tail.slice(end));
  return true;
}
