// The capture's SSE parser: WHATWG line rules, chunks split anywhere (UTF-8, CRLF), budget, never throws; eventsource-parser as the oracle.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SseParser, type SseEvent } from './sse-parser.js';

interface Oracle { createParser(callbacks: { onEvent(event: { event?: string; data: string }): void }): { feed(chunk: string): void } }
// A test-only oracle (root devDependency); imported by name at run time because its package exposes TypeScript sources.
const oracleName = 'eventsource-parser';
const oracle = (await import(oracleName)) as Oracle;

function oracleEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = oracle.createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
  parser.feed(text);
  return events;
}

function parse(chunks: Array<string | Uint8Array>, maxBytes = 1 << 20): { events: SseEvent[]; failure: string | undefined } {
  const events: SseEvent[] = [];
  const parser = new SseParser({ maxBytes, onEvent: (event) => events.push(event) });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, failure: parser.failure };
}

/** The bytes cut at the given offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

describe('SseParser', () => {
  it('is idle only between events: no line, data, event type or UTF-8 bytes pending, not failed, not ended', () => {
    const idleAfter = (...chunks: Array<string | Uint8Array>) => {
      const parser = new SseParser({ maxBytes: 100, onEvent: () => undefined });
      for (const chunk of chunks) parser.push(chunk);
      return parser.idle;
    };
    expect(idleAfter()).toBe(true);
    expect(idleAfter('data: x\n\n', ': comment\n', 'data: y\r\n\r')).toBe(true);
    expect(idleAfter('data: x\n\nda')).toBe(false);
    expect(idleAfter('data: x\n')).toBe(false);
    expect(idleAfter('event: ping\n')).toBe(false);
    expect(idleAfter(Buffer.from('data: x\n\n'))).toBe(false);
    expect(idleAfter(Buffer.from('data: x\n\n'), 'data: y\n\n')).toBe(true);
    expect(idleAfter(Uint8Array.of(0xff))).toBe(false);
    expect(idleAfter('x'.repeat(200))).toBe(false);
    const ended = new SseParser({ maxBytes: 100, onEvent: () => undefined });
    ended.end();
    expect(ended.idle).toBe(false);
  });

  it('joins data lines with LF, skips comments, strips one leading space and reads event types', () => {
    const { events } = parse([': keep-alive\ndata: one\ndata:  two\n\nevent: error\ndata:{"x":1}\n\ndata\n\n']);
    expect(events).toEqual([
      { event: undefined, data: 'one\n two' },
      { event: 'error', data: '{"x":1}' },
      { event: undefined, data: '' },
    ]);
  });

  it('accepts CR, LF and CRLF line ends, and a CRLF split across chunks is one line end', () => {
    expect(parse(['data: a\r\rdata: b\r\n\r\ndata: c\n\n']).events.map((e) => e.data)).toEqual(['a', 'b', 'c']);
    // Were the split CRLF read as CR then LF, `data: x` would be dispatched alone, then `y` alone.
    expect(parse(['data: x\r', '\ndata: y\r\n\r\n']).events.map((e) => e.data)).toEqual(['x\ny']);
  });

  it('decodes UTF-8 split inside a sequence, strips a BOM, and drops an unfinished last event', () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: h€llo 😀\n\ndata: never dispatched');
    const { events, failure } = parse([...bytes].map((b) => Uint8Array.of(b)));
    expect(events).toEqual([{ event: undefined, data: 'h€llo 😀' }]);
    expect(failure).toBeUndefined();
  });

  it('refuses invalid UTF-8, dangling bytes at the end, and a string after a cut sequence', () => {
    expect(parse([Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a)]).failure).toBe('malformed');
    expect(parse(['data: ok\n\n', Uint8Array.of(0xe2, 0x82)]).failure).toBe('malformed');
    expect(parse([Uint8Array.of(0xe2, 0x82), 'data: x\n\n']).failure).toBe('malformed');
  });

  it('gives up past its budget and ignores the rest, without throwing', () => {
    const { events, failure } = parse(['data: small\n\n', `data: ${'x'.repeat(200)}`, '\n\ndata: after\n\n'], 100);
    expect(events.map((e) => e.data)).toEqual(['small']);
    expect(failure).toBe('too_large');
  });

  it('counts only the event being read: many small events pass a small budget', () => {
    const { events, failure } = parse([Array.from({ length: 50 }, (_, i) => `data: event ${i}\n\n`).join('')], 40);
    expect(events).toHaveLength(50);
    expect(failure).toBeUndefined();
  });

  it('gives the events eventsource-parser gives, however the bytes are cut (property)', () => {
    const line = fc.stringMatching(/^[^\r\n]{0,20}$/);
    const endings = fc.constantFrom('\n', '\r', '\r\n');
    const field = fc.constantFrom('data: ', 'data:', 'data', ': ', ':', 'event: ', 'event:', 'id: ', 'retry: 10', 'other: ', '');
    const eventText = fc.tuple(fc.array(fc.tuple(field, line, endings), { minLength: 1, maxLength: 4 }), endings)
      .map(([lines, end]) => lines.map(([name, value, eol]) => name + value + eol).join('') + end);
    fc.assert(fc.property(fc.array(eventText, { maxLength: 6 }), fc.string({ maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), (texts, tail, offsets) => {
      const text = texts.join('') + tail;
      const bytes = new TextEncoder().encode(text);
      const whole = parse([bytes]);
      expect(whole.events).toEqual(oracleEvents(text));
      expect(parse(cut(bytes, offsets))).toEqual(whole);
    }), { numRuns: 500 });
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (chunks, budget) => {
      const result = parse(chunks, budget);
      expect(Array.isArray(result.events)).toBe(true);
    }));
  });
});
