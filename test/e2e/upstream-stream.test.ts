// Issue 14 end to end: an OpenAI-compatible upstream's SSE streams through each example unchanged on a miss, and is replayed on a hit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { startExample, type RunningExample } from './example-server.js';

const EXAMPLES = ['express-chat', 'koa-chat', 'fastify-chat'] as const;
const WORDS = ['Caches', 'keep', 'answers', 'close', 'to', 'the', 'people', 'who', 'ask', 'for', 'them', 'again.'];

/** A fake upstream that streams chat.completion.chunk frames with a pause between them, and counts its calls. */
function fakeUpstream(): { server: Server; calls: () => number; frames: string[] } {
  let calls = 0;
  const frames: string[] = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) => JSON.stringify({
    id: 'chatcmpl-upstream', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'up-1',
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage } : {}),
  });
  frames.push(chunk({ role: 'assistant', content: '' }));
  for (const [i, word] of WORDS.entries()) frames.push(chunk({ content: `${i ? ' ' : ''}${word}` }));
  frames.push(chunk({}, 'stop'));
  frames.push(chunk({}, null, { prompt_tokens: 9, completion_tokens: WORDS.length, total_tokens: 9 + WORDS.length }));
  const server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const frame of frames) {
        res.write(`data: ${frame}\n\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end('data: [DONE]\n\n');
    });
  });
  return { server, calls: () => calls, frames };
}

describe.each(EXAMPLES)('%s with a streaming upstream', (name) => {
  const upstream = fakeUpstream();
  let example: RunningExample;
  let client: OpenAI;
  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    const port = (upstream.server.address() as AddressInfo).port;
    example = await startExample(name, { UPSTREAM_BASE_URL: `http://127.0.0.1:${port}/v1`, UPSTREAM_API_KEY: 'sk-upstream-test' });
    client = new OpenAI({ baseURL: `${example.url}/v1`, apiKey: example.key!, maxRetries: 0 });
  });
  afterAll(async () => {
    await example?.stop();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  it('a miss streams the upstream frames through unchanged; the repeat is a hit with the same text, upstream not called', async () => {
    const ask = () => client.chat.completions.create({
      model: 'up-1', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Why keep a cache of answers?' }],
    }).withResponse();
    const first = await ask();
    expect(first.response.headers.get('x-vectorcache-status')).toBe('miss');
    const seen: string[] = [];
    for await (const chunk of first.data) seen.push(JSON.stringify(chunk));
    // The miss is the upstream's own stream, frame for frame.
    expect(seen).toEqual(upstream.frames.map((f) => JSON.stringify(JSON.parse(f))));
    expect(upstream.calls()).toBe(1);

    // The entry lands once the stream ended; the repeat is answered from the cache.
    await new Promise((r) => setTimeout(r, 200));
    const second = await ask();
    expect(second.response.headers.get('x-vectorcache-status')).toBe('hit');
    let text = '';
    let usage: unknown;
    for await (const chunk of second.data) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(WORDS.join(' '));
    expect(usage).toMatchObject({ total_tokens: 9 + WORDS.length });
    expect(upstream.calls()).toBe(1);
  });
});
