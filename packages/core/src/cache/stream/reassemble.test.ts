// Reassembly of chat.completion.chunk frames into the canonical completion, and the storability verdict.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamAssembler } from './reassemble.js';
import { replayFrames } from './replay.js';
import { StreamCapture, isEventStream } from './capture.js';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-x', system_fingerprint: 'fp_1' };
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ ...head, choices, ...extra });
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0) => ({ index, delta: d, logprobs: null, finish_reason: finish });

function assemble(frames: string[], maxBytes = 1 << 20) {
  const assembler = new StreamAssembler({ maxBytes });
  for (const frame of frames) assembler.push(frame);
  return assembler.finish();
}

describe('StreamAssembler', () => {
  it('joins content, keeps identity and fingerprint, takes usage from the final usage chunk, drops unknown members', () => {
    const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
    const verdict = assemble([
      chunk([delta({ role: 'assistant', content: '', refusal: null })], { usage: null, obfuscation: 'pad' }),
      chunk([delta({ content: 'Hello' })], { usage: null }),
      chunk([delta({ content: ' world' })], { usage: null }),
      chunk([delta({}, 'stop')], { usage: null }),
      chunk([], { usage }),
      '[DONE]',
    ]);
    expect(verdict).toEqual({
      storable: true,
      completion: {
        id: 'chatcmpl-1', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-x', system_fingerprint: 'fp_1',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage,
      },
    });
  });

  it('joins tool-call arguments per index (interleaved), id/type/name from the first delta', () => {
    const verdict = assemble([
      chunk([delta({ role: 'assistant', content: null })]),
      chunk([delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] })]),
      chunk([delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz"' } }] })]),
      chunk([delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })]),
      chunk([delta({ tool_calls: [{ index: 1, id: 'ignored', function: { name: 'ignored', arguments: ':"UTC"}' } }] })]),
      chunk([delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })]),
      chunk([delta({}, 'tool_calls')]),
      '[DONE]',
    ]);
    expect(verdict.storable && verdict.completion.choices[0]!.message).toEqual({
      role: 'assistant', content: null, refusal: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz":"UTC"}' } },
      ],
    });
  });

  it('keeps refusal, reasoning fields, other message members, logprobs and every choice', () => {
    const token = (t: string) => ({ token: t, logprob: -0.1, bytes: null, top_logprobs: [] });
    const verdict = assemble([
      chunk([delta({ role: 'assistant', reasoning_content: 'Let me ' }), delta({ role: 'assistant', refusal: "I can't" }, null, 1)]),
      chunk([delta({ reasoning_content: 'think.', reasoning: 'r', annotations: [{ type: 'url' }] })]),
      chunk([{ index: 0, delta: { content: 'Hi' }, logprobs: { content: [token('Hi')], refusal: null }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: '!' }, logprobs: { content: [token('!')], refusal: null }, finish_reason: 'stop' }]),
      chunk([delta({ refusal: ' help.' }, 'stop', 1)]),
      '[DONE]',
    ]);
    if (!verdict.storable) throw new Error(verdict.reason);
    const [first, second] = verdict.completion.choices;
    expect(first).toEqual({
      index: 0, finish_reason: 'stop', logprobs: { content: [token('Hi'), token('!')], refusal: null },
      message: { role: 'assistant', content: 'Hi!', refusal: null, reasoning_content: 'Let me think.', reasoning: 'r', annotations: [{ type: 'url' }] },
    });
    expect(second?.message).toEqual({ role: 'assistant', content: null, refusal: "I can't help." });
  });

  it.each([
    ['no [DONE]', [chunk([delta({ content: 'a' }, 'stop')])], 'stream_incomplete'],
    ['a frame that is not JSON', [chunk([delta({ content: 'a' })]), '{oops', '[DONE]'], 'stream_malformed'],
    ['a frame of another object', [JSON.stringify({ ...head, object: 'chat.completion', choices: [] }), '[DONE]'], 'stream_malformed'],
    ['frames after [DONE]', [chunk([delta({ content: 'a' }, 'stop')]), '[DONE]', chunk([delta({ content: 'b' })])], 'stream_malformed'],
    ['a choice without finish reason', [chunk([delta({ content: 'a' })]), '[DONE]'], 'stream_malformed'],
    ['no choice at all', [chunk([]), '[DONE]'], 'stream_malformed'],
    ['frames of two completions', [chunk([delta({ content: 'a' })]), JSON.stringify({ ...head, id: 'other', choices: [delta({}, 'stop')] }), '[DONE]'], 'stream_malformed'],
    ['a tool call without id', [chunk([delta({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }, 'tool_calls')]), '[DONE]'], 'stream_malformed'],
    ['a huge tool-call index', [chunk([delta({ tool_calls: [{ index: 1e9, id: 'x', function: { name: 'f' } }] }, 'tool_calls')]), '[DONE]'], 'stream_malformed'],
    ['content that is not text', [chunk([delta({ content: 42 }, 'stop')]), '[DONE]'], 'stream_malformed'],
    ['finish_reason length', [chunk([delta({ content: 'a' }, 'length')]), '[DONE]'], 'stream_truncated'],
    ['finish_reason content_filter', [chunk([delta({ content: 'a' }, 'content_filter')]), '[DONE]'], 'stream_truncated'],
    ['an error frame', [chunk([delta({ content: 'a' })]), JSON.stringify({ error: { message: 'upstream overloaded' } }), '[DONE]'], 'stream_error'],
  ])('does not store a stream with %s', (_name, frames, reason) => {
    expect(assemble(frames as string[])).toEqual({ storable: false, reason });
  });

  it('rejects an `event: error` and an unknown event type', () => {
    const assembler = new StreamAssembler({ maxBytes: 1000 });
    assembler.push('{"message":"boom"}', 'error');
    expect(assembler.finish()).toEqual({ storable: false, reason: 'stream_error' });
    const other = new StreamAssembler({ maxBytes: 1000 });
    other.push(chunk([delta({ content: 'a' }, 'stop')]), 'ping');
    expect(other.finish()).toEqual({ storable: false, reason: 'stream_malformed' });
  });

  it('gives up past its budget of answer text', () => {
    const frames = [chunk([delta({ role: 'assistant' })]), ...Array.from({ length: 20 }, () => chunk([delta({ content: 'x'.repeat(10) })])), chunk([delta({}, 'stop')]), '[DONE]'];
    expect(assemble(frames, 150)).toEqual({ storable: false, reason: 'stream_too_large' });
    expect(assemble(frames, 250).storable).toBe(true);
  });

  it('never throws on arbitrary frames (property)', () => {
    const frame = fc.oneof(fc.string(), fc.json(), fc.constant('[DONE]'), fc.jsonValue().map((choices) => JSON.stringify({ ...head, choices: [choices] })));
    fc.assert(fc.property(fc.array(frame, { maxLength: 8 }), (frames) => {
      const verdict = assemble(frames);
      expect(typeof verdict.storable).toBe('boolean');
    }));
  });
});

describe('StreamAssembler fast path (plain content frames through a template)', () => {
  const obfuscate = (frame: string, pad: string) => (frame.startsWith('{') ? `${frame.slice(0, -1)},"obfuscation":${JSON.stringify(pad)}}` : frame);
  const baseFrames = (content: string, usage: boolean) => replayFrames({
    id: 'chatcmpl-t', object: 'chat.completion', created: 1, model: 'm', system_fingerprint: 'fp',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  }, { includeUsage: usage, chunkWords: 1 }).map((f) => f.slice(6, -2));
  // What a hostile or sloppy upstream may put where the content string goes, or around it.
  const mutation = fc.oneof(
    fc.constantFrom('"abc', '"a\\u00zz"', '"a","x":1', '"a\u0001b"', '"a" ', ' "a"', '"\\"', '42', 'null', '"a\\"b"', '"é😀\\n"'),
    fc.string({ maxLength: 8 }).map((x) => JSON.stringify(x)),
    fc.string({ maxLength: 6 }),
  );
  const verdicts = (frames: string[]) => [true, false].map((fastPath) => {
    const assembler = new StreamAssembler({ maxBytes: 1 << 20, fastPath });
    for (const frame of frames) assembler.push(frame);
    return assembler.finish();
  });

  it('gives exactly the verdict of parsing every frame in full, for any content, padding and tampering (property)', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'grapheme', maxLength: 40 }), fc.boolean(), fc.array(fc.stringMatching(/^[A-Za-z0-9+/]{0,8}$/), { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), mutation), { maxLength: 3 }),
      (content, usage, pads, mutations) => {
        const frames = baseFrames(`${content} a b c d`, usage).map((f, i) => (i % 3 === 2 ? f : obfuscate(f, pads[i % pads.length]!)));
        for (const [at, text] of mutations) {
          const i = at % frames.length;
          frames[i] = frames[i]!.replace(/\{"content":("(?:[^"\\]|\\.)*")\}/, `{"content":${text}}`);
        }
        const [fast, full] = verdicts(frames);
        expect(fast).toEqual(full);
      },
    ), { numRuns: 400 });
  });

  it('reads an OpenAI-style stream with obfuscation padding to the same completion', () => {
    const frames = baseFrames('The quick brown fox jumps over the lazy dog', true).map((f, i) => obfuscate(f, 'pad'.repeat(i % 4)));
    const [fast, full] = verdicts(frames);
    const assembler = new StreamAssembler({ maxBytes: 1 << 20 });
    for (const frame of frames) assembler.push(frame);
    // Role, the first content frame (learnt from), finish, usage and [DONE] are parsed in full; the 8 other words are not.
    expect(assembler.templated).toBe(8);
    if (!fast?.storable) throw new Error('expected a storable stream');
    expect(fast.completion.choices[0]!.message.content).toBe('The quick brown fox jumps over the lazy dog');
    expect(fast).toEqual(full);
  });
});

describe('StreamCapture', () => {
  const wire = [
    `data: ${chunk([delta({ role: 'assistant', content: '' })])}\n\n`,
    `: keep-alive\n\ndata: ${chunk([delta({ content: 'Hi' }, 'stop')])}\n\n`,
    'data: [DONE]\n\n',
  ];

  it('stores a stream that ended normally and reports each frame as parsed', () => {
    const frames: string[] = [];
    const capture = new StreamCapture({ maxEntryBytes: 10_000, onFrame: (data) => frames.push(data) });
    for (const piece of wire) capture.write(Buffer.from(piece));
    const verdict = capture.end();
    expect(verdict.storable && verdict.completion.choices[0]!.message.content).toBe('Hi');
    expect(frames).toHaveLength(3);
    expect(frames[2]).toBe('[DONE]');
  });

  it('never stores an aborted stream, even a complete-looking one', () => {
    const capture = new StreamCapture({ maxEntryBytes: 10_000 });
    for (const piece of wire) capture.write(piece);
    expect(capture.abort()).toEqual({ storable: false, reason: 'stream_incomplete' });
    expect(capture.end()).toEqual({ storable: false, reason: 'stream_incomplete' });
  });

  it('reports an event larger than the budget as too large, and broken UTF-8 as malformed', () => {
    for (const pieces of [[`data: ${'x'.repeat(100)}\n\n`], ['data: ', 'x'.repeat(30), 'x'.repeat(30), '\n\n']]) {
      const big = new StreamCapture({ maxEntryBytes: 50 });
      for (const piece of pieces) big.write(piece);
      expect(big.end()).toEqual({ storable: false, reason: 'stream_too_large' });
    }
    const broken = new StreamCapture({ maxEntryBytes: 1000 });
    for (const piece of wire) broken.write(piece);
    broken.write(Uint8Array.of(0xf0, 0x9f));
    expect(broken.end()).toEqual({ storable: false, reason: 'stream_malformed' });
  });

  it('stores only status 200 with text/event-stream', () => {
    expect(isEventStream(200, 'text/event-stream; charset=utf-8')).toBe(true);
    expect(isEventStream(200, 'Text/Event-Stream')).toBe(true);
    expect(isEventStream(500, 'text/event-stream')).toBe(false);
    expect(isEventStream(200, 'application/json')).toBe(false);
    expect(isEventStream(200, 'text/event-streamx')).toBe(false);
    expect(isEventStream(200, undefined)).toBe(false);
  });
});
