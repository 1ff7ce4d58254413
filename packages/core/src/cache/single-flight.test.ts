// Single-flight: one leader per key, followers served its answer or live stream, released (never failed) otherwise.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlightCutError, Flights, type FollowerOutcome, type Joined } from './single-flight.js';

const JSON_FORM = { stream: false } as const;
const SSE = { stream: true, includeUsage: false } as const;
const SSE_USAGE = { stream: true, includeUsage: true } as const;

const chunk = (content: string | null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: content === null ? [] : [{ index: 0, delta: { content }, finish_reason: null }], ...extra });

function leader(joined: Joined) {
  if (joined.role !== 'leader') throw new Error('expected a leader');
  return joined.flight;
}
function follower(joined: Joined): Promise<FollowerOutcome> {
  if (joined.role !== 'follower') throw new Error('expected a follower');
  return joined.wait;
}
async function read(outcome: FollowerOutcome): Promise<string> {
  if (outcome.kind !== 'stream') throw new Error(`expected a stream, got ${JSON.stringify(outcome)}`);
  let text = '';
  for await (const piece of outcome.events) text += piece;
  return text;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Flights', () => {
  it('makes the first caller of a key the leader, never joins different keys, and forgets a settled flight', () => {
    const flights = new Flights();
    const a = flights.join('key-a', JSON_FORM);
    expect(a.role).toBe('leader');
    expect(flights.join('key-b', JSON_FORM).role).toBe('leader');
    expect(flights.join('key-a', JSON_FORM).role).toBe('follower');
    leader(a).fail('leader_failed');
    expect(flights.join('key-a', JSON_FORM).role).toBe('leader');
  });

  it('answers many concurrent JSON and streamed followers of a JSON leader with its answer', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', JSON_FORM));
    const waits = Array.from({ length: 100 }, (_, i) => follower(flights.join('k', i % 2 ? SSE : JSON_FORM)));
    flight.answer('{"answer":1}');
    const outcomes = await Promise.all(waits);
    expect(outcomes.every((o) => o.kind === 'answer' && o.completion === '{"answer":1}')).toBe(true);
  });

  it('gives streamed followers the live stream from its first frame, late joiners included, and JSON followers the final answer', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', SSE));
    const early = follower(flights.join('k', SSE));
    const json = follower(flights.join('k', JSON_FORM));
    flight.frame(chunk('Hel'));
    const earlyText = read(await early);
    flight.frame(chunk('lo'));
    const lateText = read(await follower(flights.join('k', SSE)));
    flight.frame('[DONE]');
    flight.answer('{"completion":true}');
    const expected = `data: ${chunk('Hel')}\n\ndata: ${chunk('lo')}\n\ndata: [DONE]\n\n`;
    expect(await earlyText).toBe(expected);
    expect(await lateText).toBe(expected);
    expect(await json).toEqual({ kind: 'answer', completion: '{"completion":true}' });
  });

  it('releases waiting followers when the leader fails, and cuts (never completes) a stream that broke off', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', SSE));
    const json = follower(flights.join('k', JSON_FORM));
    const streamed = follower(flights.join('k', SSE));
    flight.frame(chunk('partial'));
    const text = read(await streamed);
    flight.fail('leader_failed');
    expect(await json).toEqual({ kind: 'run', reason: 'leader_failed' });
    await expect(text).rejects.toBeInstanceOf(FlightCutError);
  });

  it('lets streamed followers finish a whole stream that may not be stored, and releases the JSON ones', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', SSE));
    const json = follower(flights.join('k', JSON_FORM));
    const streamed = follower(flights.join('k', SSE));
    flight.frame(chunk('cut by length'));
    flight.frame('[DONE]');
    flight.fail('not_storable');
    expect(await read(await streamed)).toContain('data: [DONE]');
    expect(await json).toEqual({ kind: 'run', reason: 'not_storable' });
  });

  it('bounds waiting: a follower runs itself after waitMs, and the next request leads anew', async () => {
    vi.useFakeTimers();
    const flights = new Flights({ waitMs: 1_000 });
    const flight = leader(flights.join('k', JSON_FORM));
    const wait = follower(flights.join('k', JSON_FORM));
    let settled: FollowerOutcome | undefined;
    void wait.then((o) => { settled = o; });
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual({ kind: 'run', reason: 'timeout' });
    const next = leader(flights.join('k', JSON_FORM));
    flight.answer('{}');
    next.answer('{}');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets a leader that never settles after waitMs, so its key is not held for ever', async () => {
    vi.useFakeTimers();
    const flights = new Flights({ waitMs: 500 });
    leader(flights.join('k', JSON_FORM));
    expect(flights.size).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(flights.size).toBe(0);
    expect(flights.join('k', JSON_FORM).role).toBe('leader');
  });

  it('does not time out a follower that already receives the live stream', async () => {
    vi.useFakeTimers();
    const flights = new Flights({ waitMs: 100 });
    const flight = leader(flights.join('k', SSE));
    const wait = follower(flights.join('k', SSE));
    flight.frame(chunk('a'));
    const text = read(await wait);
    await vi.advanceTimersByTimeAsync(10_000);
    flight.frame('[DONE]');
    expect(await text).toContain('[DONE]');
  });

  it('keeps memory bounded: past maxBytes late streamed followers run themselves, a follower that stopped reading is cut', async () => {
    const flights = new Flights({ maxBytes: 400 });
    const flight = leader(flights.join('k', SSE));
    const reading = follower(flights.join('k', SSE));
    const stalled = follower(flights.join('k', SSE));
    flight.frame(chunk('x'.repeat(50)));
    const readingText = read(await reading);
    const stalledOutcome = await stalled;
    for (let i = 0; i < 6; i++) {
      flight.frame(chunk('y'.repeat(50)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await follower(flights.join('k', SSE))).toEqual({ kind: 'run', reason: 'too_large' });
    const jsonLate = follower(flights.join('k', JSON_FORM));
    flight.frame('[DONE]');
    flight.answer('{"ok":1}');
    expect((await readingText).match(/data: /g)).toHaveLength(8);
    await expect(read(stalledOutcome)).rejects.toMatchObject({ reason: 'too_large' });
    expect(await jsonLate).toEqual({ kind: 'answer', completion: '{"ok":1}' });
  });

  it('gives each streamed follower its own form: no usage chunk for one that did not ask, release for one that asked of a stream without', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', SSE_USAGE));
    const bare = follower(flights.join('k', SSE));
    const withUsage = follower(flights.join('k', SSE_USAGE));
    flight.frame(chunk('hi', { usage: null }));
    const bareText = read(await bare);
    const usageText = read(await withUsage);
    flight.frame(chunk(null, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    flight.frame('[DONE]');
    expect(await bareText).toBe(`data: ${chunk('hi')}\n\ndata: [DONE]\n\n`);
    expect(await usageText).toContain('"total_tokens":2');

    const other = new Flights();
    leader(other.join('k', SSE));
    expect(await follower(other.join('k', SSE_USAGE))).toEqual({ kind: 'run', reason: 'form' });
  });

  it('releases a follower whose client went away, and every follower on releaseAll', async () => {
    const flights = new Flights();
    leader(flights.join('k', JSON_FORM));
    const controller = new AbortController();
    const leaving = follower(flights.join('k', JSON_FORM, { signal: controller.signal }));
    const staying = follower(flights.join('k', JSON_FORM));
    controller.abort();
    expect(await leaving).toEqual({ kind: 'run', reason: 'aborted' });
    flights.releaseAll();
    expect(await staying).toEqual({ kind: 'run', reason: 'released' });
    expect(flights.size).toBe(0);
  });

  it('answers joiners from a settled flight until its cache write landed', async () => {
    const flights = new Flights();
    const flight = leader(flights.join('k', JSON_FORM));
    let landed!: () => void;
    flight.answer('{"a":1}', new Promise<void>((resolve) => { landed = resolve; }));
    expect(await follower(flights.join('k', SSE))).toEqual({ kind: 'answer', completion: '{"a":1}' });
    landed();
    await Promise.resolve();
    await Promise.resolve();
    expect(flights.join('k', JSON_FORM).role).toBe('leader');
  });

  it('refuses bad options with the option name', () => {
    expect(() => new Flights({ waitMs: 0 })).toThrow(/`waitMs`/);
    expect(() => new Flights({ maxBytes: 1.5 })).toThrow(/`maxBytes`/);
  });
});
