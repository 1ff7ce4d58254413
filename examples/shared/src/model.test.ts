// The offline model streams proper chat.completion.chunk frames, storable and equal to its JSON answer.
import { describe, expect, it } from 'vitest';
import { StreamCapture, type ChatCompletion } from '@vectorcache/core';
import { SSE_HEADERS, offlineModel } from './model.js';
import { sseEvents } from './server.js';

const body = { model: 'offline-1', messages: [{ role: 'user', content: 'Hello there' }] };

async function streamed(extra: Record<string, unknown>): Promise<{ frames: string[]; completion: ChatCompletion }> {
  const result = await offlineModel(0).complete({ ...body, stream: true, ...extra }, {});
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const capture = new StreamCapture({ maxEntryBytes: 1 << 20 });
  const frames: string[] = [];
  for await (const event of sseEvents(result)) {
    frames.push(event);
    capture.write(event);
  }
  const verdict = capture.end();
  if (!verdict.storable) throw new Error(`not storable: ${verdict.reason}`);
  return { frames, completion: verdict.completion };
}

describe('offline model streaming', () => {
  it('marks SSE answers no-cache (storable), not no-store', () => {
    expect(SSE_HEADERS['cache-control']).toBe('no-cache');
    expect(SSE_HEADERS['content-type']).toBe('text/event-stream');
  });

  it('streams role first, content in several chunks, the finish reason last, then [DONE], matching its JSON answer', async () => {
    const { frames, completion } = await streamed({});
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)));
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    const json = await offlineModel(0).complete(body, {});
    if (json.kind !== 'json') throw new Error('expected JSON');
    const answer = json.body as ChatCompletion;
    expect(completion.choices[0]!.message.content).toBe(answer.choices[0]!.message.content);
    expect(completion.id).toBe(answer.id);
    expect(completion.usage).toBeUndefined();
  });

  it('with include_usage: usage null on every chunk and one final choices-less chunk with the usage', async () => {
    const { frames, completion } = await streamed({ stream_options: { include_usage: true } });
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)));
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toEqual(chunks.at(-1).usage);
  });
});
