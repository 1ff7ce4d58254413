// fast-check generators of hostile request bodies and header sets for the fuzz suite.
import fc from 'fast-check';

export interface HostileBody {
  kind: string;
  bytes: Buffer;
}

const text = (kind: string, s: string): HostileBody => ({ kind, bytes: Buffer.from(s, 'utf8') });

/** A chat body around `content` (JSON text of the content value). */
const chatAround = (content: string, extra = ''): string =>
  `{"model":"gpt-test","messages":[{"role":"user","content":${content}}]${extra}}`;

const deepNesting = fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.constantFrom('[', '{"a":', '[{"b":'), fc.boolean(), fc.boolean())
  .map(([depth, open, closed, wrapped]) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    const inner = open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '');
    return text(`nesting ${depth} ${open}`, wrapped ? chatAround('"hi"', `,"tools":${inner}`) : inner);
  });

const hugeNumbers = fc.constantFrom('1e400', '-1e400', '1e-400', '123456789012345678901234567890', '4111111111111111', '-0', '0.' + '0'.repeat(5000) + '1', '9'.repeat(20_000), '1e20')
  .chain((n) => fc.constantFrom(text('number body', n), text('number field', chatAround('"hi"', `,"max_tokens":${n},"temperature":${n}`)), text('number content', chatAround(n))));

const loneSurrogates = fc.constantFrom('\\ud800', '\\udfff', '\\ud83d', 'a\\udc00b', '\\ud800\\ud800', '\\u0000', '\\u200b4111\\u200b1111')
  .chain((s) => fc.constantFrom(text('escaped surrogate', chatAround(`"${s}"`)), text('surrogate key', `{"${s}":1,"model":"m","messages":[]}`)));

/** Invalid UTF-8 and raw bytes. */
const badBytes = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ kind: 'raw bytes', bytes: Buffer.concat([Buffer.from('{"model":"'), Buffer.from(bytes), Buffer.from('"}')]) }));

const longArrays = fc.tuple(fc.integer({ min: 1000, max: 150_000 }), fc.constantFrom('1', '"a"', '{}', '[]', 'null', '"4111 1111 1111 1111"'))
  .map(([n, item]) => text(`array ${n}×${item}`, chatAround('"hi"', `,"stop":[${Array(n).fill(item).join(',')}]`)));

const longStrings = fc.tuple(fc.integer({ min: 1000, max: 1_100_000 }), fc.constantFrom('a', ' ', '1', '@', '\\"', '\\\\', 'é', '\u200b', '%40', '4111 '))
  .map(([n, unit]) => text(`string ${n}×${unit}`, chatAround(`"${unit.repeat(Math.max(1, Math.floor(n / unit.length)))}"`)));

const duplicateKeys = fc.tuple(fc.constantFrom('model', 'messages', 'stream', '__proto__', 'constructor', 'user'), fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }))
  .map(([key, a, b]) => text(`duplicate ${key}`, `{"model":"m","messages":[{"role":"user","content":"hi"}],${JSON.stringify(key)}:${JSON.stringify(a)},${JSON.stringify(key)}:${JSON.stringify(b)}}`));

const nonObjects = fc.oneof(
  fc.constantFrom('null', 'true', '0', '""', '[]', '"a string"', '[{"role":"user"}]', ' ', '{', '}', '[', '{"messages":', 'nul', '\ufeff{}'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
).map((s) => text('non-object', s));

/** Chat-shaped bodies with generated values in every field, prototype keys included. */
const oddChats = fc.record({
  model: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  messages: fc.oneof(fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()), content: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 4 })) })), fc.jsonValue({ maxDepth: 3 })),
  extra: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'stream', 'user', 'prototype')), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
}).map(({ model, messages, extra }) => {
  const members = Object.entries(extra).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
  return text('odd chat', `{"model":${JSON.stringify(model)},"messages":${JSON.stringify(messages)}${members}}`);
});

export const hostileBody: fc.Arbitrary<HostileBody> = fc.oneof(deepNesting, hugeNumbers, loneSurrogates, badBytes, longArrays, longStrings, duplicateKeys, nonObjects, oddChats);

/** Header values a client can put on the wire: visible Latin-1 and tabs, no CR/LF. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('\t', 'é', 'ÿ', ' ', ',', ';', '=', '"', '\\'), maxLength: 40 }),
  fc.integer({ min: 100, max: 1200 }).map((n) => 'x'.repeat(n)),
);

const headerName = fc.constantFrom(
  'authorization', 'x-api-key', 'x-forwarded-for', 'forwarded', 'x-forwarded-proto', 'cache-control', 'x-request-id',
  'x-vectorcache-subject', 'x-vectorcache-consent', 'content-type', 'accept', 'cookie', 'pragma', 'x-custom',
);

export interface HostileHeaders {
  /** Whether the set carries the valid key (so body stages run) or none of it. */
  authorized: boolean;
  lines: Array<[string, string]>;
}

/** Header sets: duplicates, long values, hundreds of lines, odd content types; optionally the valid key first. */
export const hostileHeaders: fc.Arbitrary<HostileHeaders> = fc.record({
  // Mostly authenticated, so the body stages (where the hostile bodies matter) run.
  authorized: fc.constantFrom(true, true, true, false),
  lines: fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }),
  filler: fc.integer({ min: 0, max: 900 }),
  // Hostile proxy headers in a quarter of the sets: the client address then fails closed (403), and the body is not read.
  proxied: fc.constantFrom(true, false, false, false),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-16', 'application/vnd.x+json', 'text/plain', 'application/json;;;', ''),
}).map(({ authorized, lines, filler, proxied, contentType }) => {
  const all: Array<[string, string]> = [];
  if (contentType !== '') all.push(['Content-Type', contentType]);
  // Filler lines stay short: Node refuses a head past 16 KB with 431, which is fine but tests nothing here.
  for (let i = 0; i < filler; i++) all.push([`x-f${i % 7}`, String(i % 10)]);
  // Generated values of the key headers would make the request unauthenticated: not when `authorized`.
  for (const [name, value] of lines) {
    if (authorized && (name === 'authorization' || name === 'x-api-key')) continue;
    if (!proxied && (name === 'x-forwarded-for' || name === 'forwarded' || name === 'x-forwarded-proto')) continue;
    all.push([name, value]);
  }
  return { authorized, lines: all };
});
