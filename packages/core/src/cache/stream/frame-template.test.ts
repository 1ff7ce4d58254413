// The template fast path reads a frame exactly as JSON.parse would, or declines: properties over hostile frames.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameTemplate } from './frame-template.js';
import { StreamAssembler } from './reassemble.js';
import { StreamCapture } from './capture.js';
import { SseParser } from './sse-parser.js';

type Json = Record<string, unknown>;

/** Text with what JSON strings make hard: escapes, quotes, control characters, line separators, lone and paired surrogates. */
const hostileText = fc.array(fc.oneof(
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('\ud800', '\udfff', '\ud83d\ude00', '\u2028', '\u0000', '\u001f', '"', '\\', '/', 'é', '\ufeff', ' ', '\n'),
  // Characters with a meaning in patterns, in case the envelope is ever matched as one.
  fc.constantFrom('.', '*', '+?', '(a|b)', '[x]', '{1}', '^', '$', '\\d', '\r'),
), { maxLength: 5 }).map((pieces) => pieces.join(''));

/** A valid JSON string token for `text`, each character written plainly or as any of its escapes (`\u` in either case, `\/`). */
const tokenOf = (text: string, escapes: number[]): string => {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pick = escapes[i % escapes.length]! % 3;
    const forced = c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff);
    if (pick === 1 || forced) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (pick === 2) out += c === 0x2f ? '\\/' : `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
};
const token = fc.tuple(hostileText, fc.array(fc.nat(), { minLength: 1, maxLength: 4 })).map(([text, escapes]) => tokenOf(text, escapes));

/** The members of a content chunk's envelope, in any order, with values a stream may really carry and some it should not. */
const envelope = fc.record({
  id: fc.oneof(fc.constant('chatcmpl-1'), hostileText),
  model: fc.oneof(fc.constant('gpt-x'), hostileText),
  created: fc.oneof(fc.constant(1_700_000_000), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  system_fingerprint: fc.option(fc.oneof(fc.constant('fp_1'), hostileText), { nil: undefined }),
  usage: fc.constantFrom(undefined, null),
  extra: fc.option(fc.constantFrom('service_tier', 'x_unknown', 'object'), { nil: undefined }),
  order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
});

type Envelope = typeof envelope extends fc.Arbitrary<infer T> ? T : never;

/** Shuffles `keys` by `order` (a stable sort on the weights), so members come in unusual orders. */
const shuffled = <T>(keys: T[], order: number[]): T[] => keys.map((k, i) => [k, order[i % order.length]!] as const).sort((a, b) => a[1] - b[1]).map(([k]) => k);

/** One chunk's JSON text with the given delta text (a token already written) and choice members, in the envelope's order. */
function chunkText(env: Envelope, delta: string, choice: { finish?: string; logprobs?: boolean } = {}, pad?: string): string {
  const members: Array<[string, string]> = [
    ['id', JSON.stringify(env.id)], ['object', '"chat.completion.chunk"'], ['created', JSON.stringify(env.created)], ['model', JSON.stringify(env.model)],
  ];
  if (env.system_fingerprint !== undefined) members.push(['system_fingerprint', JSON.stringify(env.system_fingerprint)]);
  if (env.usage === null) members.push(['usage', 'null']);
  if (env.extra) members.push([env.extra, env.extra === 'object' ? '"chat.completion.chunk"' : '"x"']);
  const choiceMembers: Array<[string, string]> = shuffled([
    ['index', '0'], ['delta', delta], ['finish_reason', choice.finish ? JSON.stringify(choice.finish) : 'null'], ['logprobs', choice.logprobs ? '{"content":[],"refusal":null}' : 'null'],
  ], env.order.slice(4));
  members.push(['choices', `[{${choiceMembers.map(([k, v]) => `"${k}":${v}`).join(',')}}]`]);
  const ordered = shuffled(members, env.order);
  if (pad !== undefined) ordered.push(['obfuscation', pad]);
  return `{${ordered.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

/** What may stand where a string token should: broken tokens, other values, tokens that run on into more members. */
const HOSTILE_TOKEN = fc.constantFrom('"abc', '"a\\u00zz"', '"a\\x41"', '"a","x":1', '"a\u0001b"', '"a" ', ' "a"', '"\\"', '42', 'null', '"a\\"b"', '"a"},"x":{"y":"b', '"\\ud800"', '"a","content":"b"');

/** What a sloppy or hostile upstream may do to one frame's text: insert, drop or replace a character, or put a hostile token in a slot. */
const tamper = fc.oneof(
  { weight: 6, arbitrary: fc.constant((frame: string) => frame) },
  fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\t', '"', '\\', '}', ',', 'x', '\u0001')).map(([at, c]) => (frame: string) => frame.slice(0, at % (frame.length + 1)) + c + frame.slice(at % (frame.length + 1))),
  fc.nat().map((at) => (frame: string) => frame.slice(0, at % frame.length) + frame.slice((at % frame.length) + 1)),
  fc.tuple(fc.nat(), fc.constantFrom(' ', '"', '\\', '0', 'x', '\u0001')).map(([at, c]) => (frame: string) => frame.slice(0, at % frame.length) + c + frame.slice((at % frame.length) + 1)),
  fc.tuple(HOSTILE_TOKEN, fc.boolean()).map(([raw, padding]) => (frame: string) => (padding
    ? frame.replace(/"obfuscation":("(?:[^"\\]|\\.)*")\}$/, `"obfuscation":${raw}}`)
    : frame.replace(/\{"content":("(?:[^"\\]|\\.)*")\}/, `{"content":${raw}}`))),
);

/** A whole stream: role, content frames (padded or not, some padded otherwise, some tampered), finish, [DONE]; at times a small budget. */
const stream = fc.tuple(
  envelope, fc.boolean(), fc.array(fc.tuple(token, token, fc.nat({ max: 9 }), tamper), { minLength: 1, maxLength: 10 }),
  fc.constantFrom('stop', 'length', 'tool_calls'), fc.boolean(), fc.oneof({ weight: 4, arbitrary: fc.constant(1 << 20) }, fc.nat({ max: 60 }), fc.nat({ max: 400 })),
).map(([env, padded, contents, finish, logprobs, budget]) => ({
  budget,
  frames: [
    chunkText(env, '{"role":"assistant","content":""}'),
    ...contents.map(([text, pad, odd, change], i) => {
      const padding = padded !== (odd === 0) ? pad : undefined;
      return change(chunkText(env, `{"content":${text}}`, { logprobs: logprobs && i === 2 }, padding));
    }),
    chunkText(env, '{}', { finish }),
    '[DONE]',
  ],
}));

function assemble(frames: string[], maxBytes: number, fastPath: boolean): { verdict: string; templated: number } {
  const assembler = new StreamAssembler({ maxBytes, fastPath });
  for (const frame of frames) assembler.push(frame);
  return { verdict: JSON.stringify(assembler.finish()), templated: assembler.templated };
}

describe('StreamAssembler fast path against full parsing', () => {
  it('gives byte for byte the verdict and completion of parsing every frame in full, on hostile streams (property)', () => {
    let templated = 0;
    let stored = 0;
    fc.assert(fc.property(stream, ({ frames, budget }) => {
      const fast = assemble(frames, budget, true);
      const full = assemble(frames, budget, false);
      expect(fast.verdict).toBe(full.verdict);
      expect(full.templated).toBe(0);
      templated += fast.templated;
      if (fast.templated > 0 && fast.verdict.startsWith('{"storable":true')) stored++;
    }), { numRuns: 600 });
    // The property would hold vacuously if the fast path never ran: it must have read frames and stored streams.
    expect(templated).toBeGreaterThan(100);
    expect(stored).toBeGreaterThan(10);
  });
});

/** How a handler may write one event: mostly `data: <frame>\n\n` as one string, else in any other legal or broken way. */
const writing = fc.oneof(
  { weight: 8, arbitrary: fc.constant((event: string): Array<string | Uint8Array> => [`data: ${event}\n\n`]) },
  fc.constantFrom(
    (event: string) => [`data:${event}\n\n`],
    (event: string) => [`data: ${event}\r\n\r\n`],
    (event: string) => [`data: ${event}\r\r`],
    (event: string) => [Buffer.from(`data: ${event}\n\n`)],
    (event: string) => [`: keep-alive\n\ndata: ${event}\n\n`],
    (event: string) => [`event: message\ndata: ${event}\n\n`],
    (event: string) => [`event: ping\ndata: ${event}\n\n`],
    (event: string) => [`data: ${event}\n`],
    (event: string) => [`data: ${event}\n\n\n`],
    (event: string) => [`data: ${event}\n\ndata: ${event}\n\n`],
  ),
  fc.tuple(fc.nat(), fc.boolean()).map(([at, bytes]) => (event: string) => {
    const whole = `data: ${event}\n\n`;
    if (!bytes) return [whole.slice(0, at % whole.length), whole.slice(at % whole.length)];
    const encoded = Buffer.from(whole);
    return [encoded.subarray(0, at % encoded.length), encoded.subarray(at % encoded.length)];
  }),
  fc.tuple(fc.nat(), fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\ndata: ', '\ndata:')).map(([at, brk]) => (event: string) => {
    // The frames differ only in the content slot, so a fixed offset from the end breaks them all alike.
    const i = Math.max(0, event.length - (at % 40));
    return [`data: ${event.slice(0, i)}${brk}${event.slice(i)}\n\n`];
  }),
);

/** The chunks, fed once through capture (fast paths on) and once through the parser and a full-parsing assembler. */
function bothWays(chunks: Array<string | Uint8Array>, maxBytes: number, follow: boolean): Array<{ verdict: string; frames: string[] }> {
  const frames: string[][] = [[], []];
  const capture = new StreamCapture({ maxEntryBytes: maxBytes, onFrame: follow ? (data) => frames[0]!.push(data) : undefined });
  const assembler = new StreamAssembler({ maxBytes, fastPath: false });
  const parser = new SseParser({
    maxBytes,
    onEvent: (event) => {
      assembler.push(event.data, event.event);
      if (follow && event.event === undefined) frames[1]!.push(event.data);
    },
  });
  for (const chunk of chunks) {
    capture.write(chunk);
    parser.push(chunk);
  }
  parser.end();
  if (parser.failure) assembler.reject(parser.failure === 'too_large' ? 'stream_too_large' : 'stream_malformed');
  return [JSON.stringify(capture.end()), JSON.stringify(assembler.finish())].map((verdict, i) => ({ verdict, frames: frames[i]! }));
}

describe('StreamCapture fast path against the parser and full parsing', () => {
  it('gives the same verdict and the same frames to followers, however the events are written (property)', () => {
    let stored = 0;
    fc.assert(fc.property(stream, fc.array(writing, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), ({ frames, budget }, writes, follow, bom) => {
      const chunks = frames.flatMap((frame, i) => writes[i % writes.length]!(frame));
      if (bom && typeof chunks[0] === 'string') chunks[0] = `\ufeff${chunks[0]}`;
      const [fast, reference] = bothWays(chunks, budget, follow);
      expect(fast).toEqual(reference);
      if (fast!.verdict.startsWith('{"storable":true')) stored++;
    }), { numRuns: 600 });
    expect(stored).toBeGreaterThan(10);
  });

  it('reads a plain stream written one event per chunk through the template, past the parser', () => {
    const text = 'one two three four five';
    const env: Envelope = { id: 'c', model: 'm', created: 1, system_fingerprint: 'fp', usage: null, extra: undefined, order: [0, 1, 2, 3, 4, 5, 6, 7] };
    const frames = [chunkText(env, '{"role":"assistant","content":""}'), ...text.split(/(?= )/).map((word) => chunkText(env, `{"content":${JSON.stringify(word)}}`)), chunkText(env, '{}', { finish: 'stop' }), '[DONE]'];
    const [fast, reference] = bothWays(frames.map((frame) => `data: ${frame}\n\n`), 1 << 20, true);
    expect(fast).toEqual(reference);
    expect(JSON.parse(fast!.verdict).completion.choices[0].message.content).toBe(text);
  });

  it.each([
    ['a line begun', [': ping']],
    ['a data line without its blank line', ['data: {"x":1}\n']],
    ['an event type', ['event: ping\n']],
    ['bytes ending inside a UTF-8 sequence', [Uint8Array.of(0xe2, 0x82)]],
    ['bytes that are not UTF-8', [Uint8Array.of(0xff)]],
    ['an event past the budget', [`data: ${'x'.repeat(1000)}`]],
  ])('hands a chunk to the parser while it holds %s', (_name, between) => {
    const env: Envelope = { id: 'c', model: 'm', created: 1, system_fingerprint: undefined, usage: null, extra: undefined, order: [0, 1, 2, 3, 4, 5, 6, 7] };
    const event = (frame: string) => `data: ${frame}\n\n`;
    const chunks = [
      event(chunkText(env, '{"role":"assistant"}')), event(chunkText(env, '{"content":"a"}')), event(chunkText(env, '{"content":"b"}')),
      ...(between as Array<string | Uint8Array>), event(chunkText(env, '{"content":"c"}')), event(chunkText(env, '{"content":"d"}')),
      event(chunkText(env, '{}', { finish: 'stop' })), event('[DONE]'),
    ];
    const [fast, reference] = bothWays(chunks, 500, true);
    expect(fast).toEqual(reference);
  });

  it('never reads a chunk as one event when the learnt frame had a line break (it came in two data lines)', () => {
    const env: Envelope = { id: 'c', model: 'm', created: 1, system_fingerprint: undefined, usage: null, extra: undefined, order: [0, 1, 2, 3, 4, 5, 6, 7] };
    const split = (frame: string) => frame.replace(',"finish_reason"', ',\n"finish_reason"');
    const content = (word: string) => split(chunkText(env, `{"content":"${word}"}`));
    const chunks = [
      `data: ${chunkText(env, '{"role":"assistant"}')}\n\n`,
      `data: ${content('a').replace('\n', '\ndata: ')}\n\n`,
      // The same text with a bare line break: for the parser a data line cut short, and a line of a field named `"finish_reason"`.
      `data: ${content('b')}\n\n`,
      `data: ${chunkText(env, '{}', { finish: 'stop' })}\n\n`,
      'data: [DONE]\n\n',
    ];
    const [fast, reference] = bothWays(chunks, 1 << 20, true);
    expect(reference!.verdict).toBe('{"storable":false,"reason":"stream_malformed"}');
    expect(fast).toEqual(reference);
  });
});

describe('FrameTemplate', () => {
  const learnt = (env: Envelope, pad: boolean): { template: FrameTemplate; frame: Json } | undefined => {
    const text = chunkText(env, '{"content":"x"}', {}, pad ? '"p"' : undefined);
    const frame = JSON.parse(text) as Json;
    const template = FrameTemplate.from(text, frame);
    return template && { template, frame };
  };

  it('reads a frame only when JSON.parse gives the learnt frame with that content (property)', () => {
    let read = 0;
    fc.assert(fc.property(envelope, fc.boolean(), token, fc.option(token, { nil: undefined }), tamper, (env, pad, text, padToken, change) => {
      const t = learnt(env, pad);
      if (!t) return;
      const data = change(chunkText(env, `{"content":${text}}`, {}, pad ? (padToken ?? '"q"') : padToken));
      const content = t.template.content(data);
      if (content === undefined) return;
      read++;
      const parsed = JSON.parse(data) as Json;
      const { obfuscation: _seen, ...rest } = parsed;
      const { obfuscation: _learnt, ...expected } = t.frame;
      expect(typeof _seen === 'string' || !pad).toBe(true);
      expect(JSON.stringify(rest)).toBe(JSON.stringify({ ...expected, choices: [{ ...(expected.choices as Json[])[0], delta: { content } }] }));
    }), { numRuns: 1500 });
    expect(read).toBeGreaterThan(150);
  });

  it('reads a whole SSE chunk only when it is one event whose frame JSON.parse gives as the learnt one with that content (property)', () => {
    let read = 0;
    const framing = fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constant('data: ') }, fc.constantFrom('data:', 'data:  ', ' data: ', '')),
      fc.oneof({ weight: 6, arbitrary: fc.constant('\n\n') }, fc.constantFrom('\n', '\r\n\r\n', '\n\n\n', '\n\ndata: x\n\n')),
    );
    fc.assert(fc.property(envelope, fc.boolean(), token, fc.option(token, { nil: undefined }), tamper, framing, (env, pad, text, padToken, change, [prefix, suffix]) => {
      const t = learnt(env, pad);
      if (!t) return;
      const chunk = prefix + change(chunkText(env, `{"content":${text}}`, {}, pad ? (padToken ?? '"q"') : padToken)) + suffix;
      const content = t.template.wireContent(chunk);
      if (content === undefined) return;
      read++;
      const events: Array<{ event?: string | undefined; data: string }> = [];
      const parser = new SseParser({ maxBytes: 1 << 20, onEvent: (event) => events.push(event) });
      parser.push(chunk);
      expect(parser.idle).toBe(true);
      expect(events).toHaveLength(1);
      expect(events[0]!.event).toBeUndefined();
      const { obfuscation: _seen, ...rest } = JSON.parse(events[0]!.data) as Json;
      const { obfuscation: _learnt, ...expected } = t.frame;
      expect(JSON.stringify(rest)).toBe(JSON.stringify({ ...expected, choices: [{ ...(expected.choices as Json[])[0], delta: { content } }] }));
    }), { numRuns: 1500 });
    expect(read).toBeGreaterThan(150);
  });

  it('decodes escaped content exactly as JSON.parse does, lone surrogates included', () => {
    const env: Envelope = { id: 'c', model: 'm', created: 1, system_fingerprint: undefined, usage: null, extra: undefined, order: [0, 1, 2, 3, 4, 5, 6, 7] };
    const { template } = learnt(env, false)!;
    for (const raw of ['"a\\nb"', '"\\u00e9\\u00E9\\/"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\"quoted\\""', '"\u2028"', '""']) {
      expect(template.content(chunkText(env, `{"content":${raw}}`))).toBe(JSON.parse(raw));
    }
    for (const raw of ['"\\x41"', '"\\u12"', '"a\tb"', '"a', '"a"b"']) expect(template.content(chunkText(env, `{"content":${raw}}`))).toBeUndefined();
  });

  it('declines a frame whose envelope differs from the learnt one in any byte', () => {
    const env: Envelope = { id: 'c', model: 'm', created: 1, system_fingerprint: 'fp', usage: null, extra: undefined, order: [0, 1, 2, 3, 4, 5, 6, 7] };
    const { template } = learnt(env, false)!;
    const same = chunkText(env, '{"content":"hi"}');
    expect(template.content(same)).toBe('hi');
    for (let i = 0; i < same.length; i++) {
      if (same.slice(i, i + 4) === '"hi"') { i += 3; continue; }
      const changed = same.slice(0, i) + (same[i] === 'x' ? 'y' : 'x') + same.slice(i + 1);
      expect(template.content(changed)).toBeUndefined();
    }
  });
});
