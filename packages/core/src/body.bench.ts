// Benchmark of the body nesting check next to JSON.parse: 1 KB and 100 KB chat bodies, and a many-message body.
import { jsonTextDepthExceeds, MAX_JSON_DEPTH } from './body.js';
import { typicalPrompt } from './pii/pii.bench.js';

function chatText(promptChars: number, messages: number): string {
  const content = typicalPrompt(promptChars);
  const list = Array.from({ length: messages }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));
  return JSON.stringify({ model: 'gpt-4o-mini', messages: list, temperature: 0.2 });
}

/** Median µs per call over `rounds` rounds of `inner` calls. */
function time(fn: () => unknown, inner: number, rounds = 15): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < inner; k++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / inner);
  }
  return samples.sort((a, b) => a - b)[rounds >> 1]!;
}

const cases: Array<[string, string]> = [
  ['1 KB chat body', chatText(900, 1)],
  ['100 KB chat body (1 message)', chatText(100_000, 1)],
  ['100 KB chat body (400 messages)', chatText(220, 400)],
];
for (const [label, text] of cases) {
  const inner = text.length > 10_000 ? 200 : 20_000;
  const depth = time(() => jsonTextDepthExceeds(text, MAX_JSON_DEPTH), inner);
  const parse = time(() => JSON.parse(text), inner);
  console.log(`${label} (${text.length} chars): depth scan ${depth.toFixed(2)} µs, JSON.parse ${parse.toFixed(2)} µs (${((100 * depth) / parse).toFixed(1)} %)`);
}
