// Replay of a stored completion as SSE: OpenAI's chunk contract, include_usage, round trips, the official client.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import OpenAI from 'openai';
import { charPieces, replayBody, replayFrames, replayText, replayable, wordGroups } from './replay.js';
import { StreamCapture } from './capture.js';
import { ReplayCache } from './replay-cache.js';
import { parseCompletion } from './completion.js';
import type { ChatCompletion } from './types.js';

const stored: ChatCompletion = {
  id: 'chatcmpl-42', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-x', system_fingerprint: 'fp_9',
  choices: [{ index: 0, message: { role: 'assistant', content: 'One two three four five six seven eight nine.', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 },
};

const frames = (completion: ChatCompletion, options = {}) => replayFrames(completion, options).map((f) => f.slice('data: '.length, -2));
const chunks = (completion: ChatCompletion, options = {}) => frames(completion, options).filter((f) => f !== '[DONE]').map((f) => JSON.parse(f));

function capture(text: string | Uint8Array[]): ChatCompletion {
  const c = new StreamCapture({ maxEntryBytes: 1 << 22 });
  for (const piece of typeof text === 'string' ? [text] : text) c.write(piece);
  const verdict = c.end();
  if (!verdict.storable) throw new Error(`not storable: ${verdict.reason}`);
  return verdict.completion;
}

describe('replayFrames', () => {
  it('sends the role first, content in word groups, the finish reason last, then [DONE]', () => {
    const all = frames(stored);
    expect(all.at(-1)).toBe('[DONE]');
    const parsed = chunks(stored);
    expect(parsed.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-42' && c.created === 1_700_000_000 && c.system_fingerprint === 'fp_9')).toBe(true);
    expect(parsed[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const pieces = parsed.slice(1, -1).map((c) => c.choices[0].delta.content);
    expect(pieces).toEqual(['One two three four', ' five six seven eight', ' nine.']);
    expect(parsed.at(-1).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(parsed.some((c) => 'usage' in c)).toBe(false);
  });

  it('with include_usage: usage null on every chunk, then one choices-less chunk with the usage before [DONE]', () => {
    const parsed = chunks(stored, { includeUsage: true });
    const last = parsed.at(-1);
    expect(last).toMatchObject({ choices: [], usage: stored.usage });
    expect(parsed.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(parsed.at(-2).choices[0].finish_reason).toBe('stop');
    expect(replayable(stored, { includeUsage: true })).toBe(true);
    expect(replayable({ ...stored, usage: undefined }, { includeUsage: true })).toBe(false);
    expect(replayable({ ...stored, usage: undefined }, {})).toBe(true);
  });

  it('sends each tool call as id, type and name first, then its arguments in pieces', () => {
    const tools: ChatCompletion = {
      ...stored,
      choices: [{ index: 0, finish_reason: 'tool_calls', logprobs: null, message: { role: 'assistant', content: null, refusal: null, tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ query: 'a rather long query about streams', limit: 10 }) } },
        { id: 'call_2', type: 'function', function: { name: 'noop', arguments: '{}' } },
      ] } }],
    };
    const deltas = chunks(tools, { chunkChars: 16 }).map((c) => c.choices[0]?.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: null, refusal: null });
    expect(deltas[1].tool_calls).toEqual([{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }]);
    const pieces = deltas.filter((d) => d?.tool_calls?.[0].index === 0 && !d.tool_calls[0].id).map((d) => d.tool_calls[0].function.arguments);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe(tools.choices[0]!.message.tool_calls![0]!.function.arguments);
    expect(capture(replayText(tools, { includeUsage: true }))).toEqual(tools);
  });

  it('keeps the stored id and created, whatever the replay count', () => {
    expect(replayText(stored)).toBe(replayText(stored));
  });

  it('paces frames when asked, and sends one piece when not', async () => {
    const one: string[] = [];
    for await (const piece of replayBody(stored)) one.push(piece);
    expect(one).toEqual([replayText(stored)]);
    const paced: string[] = [];
    const started = performance.now();
    for await (const piece of replayBody(stored, { paceMs: 5 })) paced.push(piece);
    expect(paced).toEqual(replayFrames(stored));
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * (paced.length - 1));
    const controller = new AbortController();
    const cut: string[] = [];
    for await (const piece of replayBody(stored, { paceMs: 5, signal: controller.signal })) {
      cut.push(piece);
      controller.abort();
    }
    expect(cut).toHaveLength(1);
  });
});

describe('ReplayCache', () => {
  it('builds a replay once per entry and form, keeps what was built, forgets on clear, and never keeps a refusal', () => {
    const cache = new ReplayCache({ maxBytes: 1 << 16 });
    let built = 0;
    const build = (options: { includeUsage?: boolean }) => () => { built++; return replayText(stored, options); };
    const first = cache.text('bind-1', 'usage', build({ includeUsage: true }));
    expect(first).toBe(replayText(stored, { includeUsage: true }));
    expect(cache.text('bind-1', 'usage', build({ includeUsage: true }))).toBe(first);
    expect(built).toBe(1);
    expect(cache.text('bind-1', 'bare', build({}))).toBe(replayText(stored));
    expect(built).toBe(2);
    cache.clear();
    cache.text('bind-1', 'usage', build({ includeUsage: true }));
    expect(built).toBe(3);
    expect(cache.text('bind-2', 'usage', () => undefined)).toBeUndefined();
    expect(cache.text('bind-2', 'usage', () => 'now')).toBe('now');
    expect(() => new ReplayCache({ maxBytes: -1 })).toThrow(/`maxBytes`/);
  });
});

describe('pieces', () => {
  it('word groups and char pieces join back to the text, never cutting a surrogate pair', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 1, max: 9 }), (text, n) => {
      expect(wordGroups(text, n).join('')).toBe(text);
      const pieces = charPieces(text, n);
      expect(pieces.join('')).toBe(text);
      // A cut surrogate pair would not survive UTF-8.
      for (const piece of pieces) expect(new TextDecoder().decode(new TextEncoder().encode(piece))).toBe(piece);
    }));
    expect(wordGroups('一二三四五六七八九十'.repeat(10), 1).length).toBeGreaterThan(1);
  });
});

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const toolCall = fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }), type: fc.constant('function'), function: fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), arguments: text }) });
const token = fc.record({ token: fc.string({ maxLength: 4 }), logprob: fc.double({ min: -5, max: 0, noNaN: true }).map((x) => x || 0), bytes: fc.constant(null), top_logprobs: fc.constant([]) });
const message = fc.record({
  role: fc.constant('assistant'),
  content: fc.option(text),
  refusal: fc.option(text),
  reasoning_content: text,
  tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
  annotations: fc.array(fc.record({ type: fc.constant('url_citation'), url: fc.webUrl() }), { maxLength: 1 }),
}, { requiredKeys: ['role', 'content', 'refusal'] });
const completionArb: fc.Arbitrary<ChatCompletion> = fc.record({
  id: fc.string({ maxLength: 12 }),
  created: fc.nat(),
  model: fc.string({ maxLength: 12 }),
  system_fingerprint: fc.option(fc.string({ maxLength: 6 })),
  choices: fc.array(fc.record({
    message,
    finish_reason: fc.constantFrom('stop', 'tool_calls'),
    logprobs: fc.option(fc.record({ content: fc.option(fc.array(token, { maxLength: 3 })), refusal: fc.option(fc.array(token, { maxLength: 2 })) })),
  }), { minLength: 1, maxLength: 3 }).map((choices) => choices.map((c, index) => ({ index, ...c }))),
  usage: fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() }),
}, { requiredKeys: ['id', 'created', 'model', 'choices'] }).map((c) => ({ object: 'chat.completion' as const, ...c }));

describe('round trip', () => {
  it('any completion → replay → parse → reassemble is the same completion (property)', () => {
    fc.assert(fc.property(completionArb, fc.boolean(), fc.integer({ min: 1, max: 6 }), (completion, includeUsage, chunkWords) => {
      const back = capture(replayText(completion, { includeUsage, chunkWords, chunkChars: chunkWords * 3 }));
      const expected = { ...completion };
      if (!includeUsage || !completion.usage) delete expected.usage;
      expect(back).toEqual(expected);
      // The stored JSON form of either is readable as a completion again (the one entry serves both forms).
      expect(parseCompletion(JSON.stringify(back))).toEqual(back);
    }), { numRuns: 300 });
  });

  it('cutting the replay at arbitrary byte boundaries gives the same completion (property)', () => {
    fc.assert(fc.property(completionArb, fc.array(fc.integer({ min: 1, max: 48 }), { maxLength: 40 }), (completion, sizes) => {
      const bytes = new TextEncoder().encode(replayText(completion, { includeUsage: true }));
      let start = 0;
      const pieces = sizes.map((size) => bytes.subarray(start, (start += size)));
      pieces.push(bytes.subarray(start));
      expect(capture(pieces)).toEqual(capture(replayText(completion, { includeUsage: true })));
    }), { numRuns: 200 });
  });

  it('the official openai client reads a replay to the same message, with usage on the last chunk when asked', async () => {
    const completion: ChatCompletion = {
      ...stored,
      choices: [{ index: 0, finish_reason: 'tool_calls', logprobs: null, message: { role: 'assistant', content: 'Calling a tool now.', refusal: null, tool_calls: [
        { id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Zürich","unit":"celsius"}' } },
      ] } }],
    };
    const client = new OpenAI({
      apiKey: 'sk-test', baseURL: 'http://replay.invalid/v1', maxRetries: 0,
      fetch: async () => new Response(replayText(completion, { includeUsage: true }), { headers: { 'content-type': 'text/event-stream' } }),
    });
    const seen: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    const stream = client.chat.completions.stream({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    for await (const chunk of stream) seen.push(chunk);
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Calling a tool now.');
    expect(final.choices[0]!.message.tool_calls).toEqual([expect.objectContaining(completion.choices[0]!.message.tool_calls![0])]);
    expect(seen.at(-1)!.usage).toEqual(stored.usage);
    expect(seen.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });
});
