// Body reading for adapters: byte limit while draining, strict UTF-8, JSON errors as markers, never throws.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { isJsonContentType, parseJsonText, readJsonStream } from './body.js';

const stream = (...chunks: Array<string | Buffer>) => Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));

describe('readJsonStream', () => {
  it('parses JSON split over chunks', async () => {
    expect(await readJsonStream(stream('{"a":', '[1,2', ']}'), 100)).toMatchObject({ body: { a: [1, 2] } });
  });
  it('reports invalid JSON and invalid UTF-8 as invalid_body, in any order of calls', async () => {
    expect((await readJsonStream(stream('{"a":'), 100)).error).toBe('invalid_body');
    expect((await readJsonStream(stream(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), 100)).error).toBe('invalid_body');
    // A shared decoder must not carry state from the bad call into the next one.
    expect(await readJsonStream(stream('{"ok":"é"}'), 100)).toMatchObject({ body: { ok: 'é' } });
    expect((await readJsonStream(stream(Buffer.from([0xe2, 0x82])), 100)).error).toBe('invalid_body');
    expect(await readJsonStream(stream('"€"'), 100)).toMatchObject({ body: '€' });
  });
  it('stops keeping data past the limit but drains the stream, then reports body_too_large', async () => {
    const source = stream('x'.repeat(60), 'y'.repeat(60), 'z'.repeat(60));
    const result = await readJsonStream(source, 100);
    expect(result).toEqual({ body: undefined, error: 'body_too_large' });
    expect(source.readableEnded).toBe(true);
  });
  it('an empty body is no body', async () => {
    expect(await readJsonStream(stream(''), 100)).toMatchObject({ body: undefined });
    expect(parseJsonText('   ')).toEqual({ body: undefined });
  });
});

describe('isJsonContentType', () => {
  it('accepts application/json with parameters and +json types, nothing else', () => {
    expect(isJsonContentType({ 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(isJsonContentType({ 'content-type': 'application/vnd.api+json' })).toBe(true);
    expect(isJsonContentType({ 'content-type': 'text/plain' })).toBe(false);
    expect(isJsonContentType({})).toBe(false);
  });
});
