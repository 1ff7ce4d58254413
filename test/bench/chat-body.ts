// The 1 KB chat request body every part of the benchmark sends or hashes; variants differ by an 8-letter tag only.
import { typicalPrompt } from '../../packages/core/src/pii/pii.bench.js';

const TAG_LENGTH = 8;
export const BODY_BYTES = 1024;

/** Splits a 1 KB chat body around the tag, so each request costs one concatenation. */
function bodyTemplate(): { prefix: string; suffix: string } {
  const make = (prompt: string) =>
    JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: `${prompt} ref \u0000` }] });
  const overhead = make('').length - '\\u0000'.length + TAG_LENGTH;
  const [prefix, suffix] = make(typicalPrompt(BODY_BYTES - overhead)).split('\\u0000') as [string, string];
  return { prefix, suffix };
}

const TEMPLATE = bodyTemplate();

/** Letters only: digits could look like a phone or card number to the PII scan and turn a miss into a bypass. */
function tag(n: number): string {
  let s = '';
  for (let i = 0; i < TAG_LENGTH; i++) {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** The 1 KB chat body number `n`: distinct `n`, distinct prompt, distinct cache key. */
export function chatBody(n: number): string {
  return TEMPLATE.prefix + tag(n) + TEMPLATE.suffix;
}
