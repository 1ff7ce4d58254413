// Streamed answers on every adapter: capture, replay in either form, include_usage, tool calls, what is never stored, single-flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import type { ChatCompletion } from '@vectorcache/core';
import { baseOptions, chat, chatEvents, makeKeys, startApp, type AdapterName, type App, type Keys } from './harness.js';
import { postText, readStream, type Answer } from './sse.js';

interface Ctx { app: App; keys: Keys }
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (ctx: Ctx, body: unknown, key = ctx.keys.full): Promise<Answer> => postText(ctx.app.url, body, bearer(key));

/** Reads the first bytes of a slowly streamed answer, then hangs up, as an impatient client does. */
async function abortAfterFirstChunk(ctx: Ctx, body: unknown): Promise<void> {
  ctx.app.backend.frameDelayMs = 40;
  try {
    await hangUpEarly(ctx, body);
  } finally {
    ctx.app.backend.frameDelayMs = 0;
  }
}

/** The request itself: POST, wait for the first bytes, destroy the socket. */
async function hangUpEarly(ctx: Ctx, body: unknown): Promise<void> {
  const url = new URL('/v1/chat/completions', ctx.app.url);
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ctx.keys.full) } }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.on('error', (error) => { if (!req.destroyed) reject(error); });
    req.end(JSON.stringify(body));
  });
  // The handler goes on writing after the client left; the stream ends in its own time.
  await new Promise((resolve) => setTimeout(resolve, 600));
}

let unique = 0;
const fresh = (label: string) => `${label} #${++unique} ${Math.random().toString(36).slice(2)}`;
const streamed = (content: string, extra: Record<string, unknown> = {}) => chat(content, { stream: true, ...extra });
const withUsage = { stream_options: { include_usage: true } };

/** 20 requests at once against a slow handler: how many handler calls they made, and their answers. */
async function concurrently(ctx: Ctx, bodyOf: (i: number) => unknown): Promise<{ calls: number; answers: Answer[] }> {
  const backend = ctx.app.backend;
  backend.delayMs = 300;
  try {
    const before = backend.calls;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(ctx, bodyOf(i))));
    return { calls: backend.calls - before, answers };
  } finally {
    backend.delayMs = 0;
  }
}

const toolEvents = (body: Record<string, unknown>): string[] => {
  const head = { id: 'chatcmpl-tools', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
  const frame = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return [
    frame({ role: 'assistant', content: null }),
    frame({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }),
    frame({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    frame({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
    frame({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ];
};

const cases: Array<{ name: string; run(ctx: Ctx): Promise<void> }> = [
  {
    name: 'a streamed miss passes through and is stored; the repeat is a replayed hit with Age, role first, content in chunks, finish last',
    async run(ctx) {
      const body = streamed(fresh('stream hit'));
      const calls = ctx.app.backend.calls;
      const first = await post(ctx, body);
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      const miss = readStream(first);
      const second = await post(ctx, body);
      expect(second.headers['x-vectorcache-status']).toBe('hit');
      expect(second.headers.age).toMatch(/^\d+$/);
      const hit = readStream(second);
      expect(ctx.app.backend.calls).toBe(calls + 1);
      expect(hit.completion.choices[0]!.message.content).toBe(miss.completion.choices[0]!.message.content);
      expect(hit.chunks[0]!.choices[0].delta.role).toBe('assistant');
      expect(hit.chunks.filter((c) => c.choices[0]?.delta?.content).length).toBeGreaterThan(1);
      expect(hit.chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
      expect(hit.chunks.every((c) => c.object === 'chat.completion.chunk' && !('usage' in c))).toBe(true);
    },
  },
  {
    name: 'one entry serves both forms: a stream-made entry answers JSON, a JSON-made entry replays as a stream',
    async run(ctx) {
      const a = fresh('stream then json');
      const streamedMiss = readStream(await post(ctx, streamed(a)));
      const json = await post(ctx, chat(a));
      expect(json.headers['x-vectorcache-status']).toBe('hit');
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      const completion = JSON.parse(json.text) as ChatCompletion;
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0]!.message.content).toBe(streamedMiss.completion.choices[0]!.message.content);

      const b = fresh('json then stream');
      const jsonMiss = await post(ctx, chat(b));
      expect(jsonMiss.headers['x-vectorcache-status']).toBe('miss');
      const replay = await post(ctx, streamed(b, withUsage));
      expect(replay.headers['x-vectorcache-status']).toBe('hit');
      const { chunks, completion: replayed } = readStream(replay);
      expect(replayed.choices[0]!.message.content).toBe((JSON.parse(jsonMiss.text) as ChatCompletion).choices[0]!.message.content);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 8 } });
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    },
  },
  {
    name: 'include_usage: an entry without usage is a miss for a client that asks for it; then each form gets exactly what it asked for',
    async run(ctx) {
      const content = fresh('usage');
      const calls = ctx.app.backend.calls;
      await post(ctx, streamed(content));
      const asks = await post(ctx, streamed(content, withUsage));
      expect(asks.headers['x-vectorcache-status']).toBe('miss');
      expect(ctx.app.backend.calls).toBe(calls + 2);
      const hit = readStream(await post(ctx, streamed(content, withUsage)));
      expect(hit.chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });
      const bare = readStream(await post(ctx, streamed(content)));
      expect(bare.chunks.some((c) => 'usage' in c)).toBe(false);
      expect(ctx.app.backend.calls).toBe(calls + 2);
    },
  },
  {
    name: 'tool calls: arguments joined per index in the stored entry; replayed as id/type/name first, then argument pieces',
    async run(ctx) {
      ctx.app.backend.events = toolEvents;
      try {
        const content = fresh('tools');
        await post(ctx, streamed(content));
        const json = JSON.parse((await post(ctx, chat(content))).text) as ChatCompletion;
        expect(json.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] } });
        const { chunks } = readStream(await post(ctx, streamed(content)));
        const calls = chunks.map((c) => c.choices[0]?.delta?.tool_calls?.[0]).filter(Boolean);
        expect(calls[0]).toMatchObject({ index: 0, id: 'call_1', type: 'function', function: { name: 'weather' } });
        expect(calls.slice(1).map((c) => c.function.arguments).join('')).toBe('{"city":"Oslo"}');
      } finally {
        delete ctx.app.backend.events;
      }
    },
  },
  {
    name: 'an aborted stream is never stored, nor one truncated by length, nor one marked no-store; each reason is counted',
    async run(ctx) {
      const backend = ctx.app.backend;
      const content = fresh('aborted');
      await abortAfterFirstChunk(ctx, streamed(content));
      expect((await post(ctx, streamed(content))).headers['x-vectorcache-status']).toBe('miss');

      backend.events = (body) => chatEvents(body).map((e) => e.replace('"finish_reason":"stop"', '"finish_reason":"length"'));
      const truncated = fresh('length');
      await post(ctx, streamed(truncated));
      delete backend.events;
      expect((await post(ctx, streamed(truncated))).headers['x-vectorcache-status']).toBe('miss');

      backend.headers = { 'cache-control': 'no-store' };
      const noStore = fresh('no-store');
      await post(ctx, streamed(noStore));
      delete backend.headers;
      expect((await post(ctx, streamed(noStore))).headers['x-vectorcache-status']).toBe('miss');
      const stats = ctx.app.guard.stats('acme');
      expect(stats.bypasses.stream_incomplete).toBeGreaterThanOrEqual(1);
      expect(stats.bypasses.stream_truncated).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'PII in a streamed answer is never stored (pii_in_response)',
    async run(ctx) {
      ctx.app.backend.events = (body) => chatEvents(body).map((e) => e.replace('"content":"echo:"', '"content":"mail jane.doe@example.org:"'));
      try {
        const content = fresh('pii answer');
        const first = readStream(await post(ctx, streamed(content)));
        expect(first.completion.choices[0]!.message.content).toContain('jane.doe@example.org');
        expect((await post(ctx, streamed(content))).headers['x-vectorcache-status']).toBe('miss');
        expect((await post(ctx, chat(content))).headers['x-vectorcache-status']).toBe('miss');
      } finally {
        delete ctx.app.backend.events;
      }
    },
  },
  {
    name: 'tenants never share streamed entries',
    async run(ctx) {
      const body = streamed(fresh('tenant'));
      await post(ctx, body);
      expect((await post(ctx, body)).headers['x-vectorcache-status']).toBe('hit');
      expect((await post(ctx, body, ctx.keys.otherTenant)).headers['x-vectorcache-status']).toBe('miss');
    },
  },
  {
    name: '20 identical concurrent streamed requests → one handler call; followers get the live stream, coalesced, in their form',
    async run(ctx) {
      const content = fresh('coalesce stream');
      const { calls, answers } = await concurrently(ctx, (i) => streamed(content, i % 2 ? withUsage : {}));
      // One flight for the clients without usage, one for those asking for it (a stream without usage cannot serve them).
      expect(calls).toBe(2);
      const coalesced = answers.filter((a) => a.headers['x-vectorcache-coalesced'] === 'true');
      expect(coalesced).toHaveLength(18);
      expect(coalesced.every((a) => a.headers['x-vectorcache-status'] === 'hit')).toBe(true);
      const texts = new Set(answers.map((a) => readStream(a).completion.choices[0]!.message.content));
      expect(texts.size).toBe(1);
    },
  },
  {
    name: '20 identical concurrent streamed requests of one form → exactly one handler call, 19 coalesced followers',
    async run(ctx) {
      const content = fresh('coalesce one form');
      const { calls, answers } = await concurrently(ctx, () => streamed(content, withUsage));
      expect(calls).toBe(1);
      expect(answers.filter((a) => a.headers['x-vectorcache-coalesced'] === 'true')).toHaveLength(19);
      for (const a of answers) expect(readStream(a).chunks.at(-1)!.usage).toBeTruthy();
    },
  },
  {
    name: '20 identical concurrent JSON requests → one handler call; followers get the stored answer, coalesced',
    async run(ctx) {
      const content = fresh('coalesce json');
      const { calls, answers } = await concurrently(ctx, () => chat(content));
      expect(calls).toBe(1);
      expect(answers.filter((a) => a.headers['x-vectorcache-coalesced'] === 'true')).toHaveLength(19);
      expect(new Set(answers.map((a) => (JSON.parse(a.text) as ChatCompletion).choices[0]!.message.content)).size).toBe(1);
    },
  },
  {
    name: 'a handler writing the raw response (writeHead; Koa ctx.respond = false; Fastify reply.hijack()): streamed and JSON answers are stored and replayed, with the guard\'s headers',
    async run(ctx) {
      const backend = ctx.app.backend;
      const calls = backend.calls;
      backend.raw = true;
      try {
        const body = streamed(fresh('raw stream'));
        const first = await post(ctx, body);
        expect(first.headers).toMatchObject({ 'x-vectorcache-status': 'miss', 'x-request-id': expect.any(String) });
        const miss = readStream(first);
        const second = await post(ctx, body);
        expect(second.headers['x-vectorcache-status']).toBe('hit');
        expect(readStream(second).completion.choices[0]!.message.content).toBe(miss.completion.choices[0]!.message.content);

        const json = chat(fresh('raw json'));
        const jsonMiss = await post(ctx, json);
        expect(jsonMiss.headers['x-vectorcache-status']).toBe('miss');
        const jsonHit = await post(ctx, json);
        expect(jsonHit.headers['x-vectorcache-status']).toBe('hit');
        expect((JSON.parse(jsonHit.text) as ChatCompletion).choices[0]!.message.content).toBe((JSON.parse(jsonMiss.text) as ChatCompletion).choices[0]!.message.content);
        expect(backend.calls).toBe(calls + 2);
      } finally {
        delete backend.raw;
      }
    },
  },
  {
    name: '20 identical concurrent streamed requests to a raw-writing handler → one handler call, 19 coalesced followers (none waits out the single-flight timeout)',
    async run(ctx) {
      ctx.app.backend.raw = true;
      try {
        const content = fresh('coalesce raw');
        const { calls, answers } = await concurrently(ctx, () => streamed(content));
        expect(calls).toBe(1);
        expect(answers.filter((a) => a.headers['x-vectorcache-coalesced'] === 'true')).toHaveLength(19);
        expect(new Set(answers.map((a) => readStream(a).completion.choices[0]!.message.content)).size).toBe(1);
      } finally {
        delete ctx.app.backend.raw;
      }
    },
  },
  {
    name: 'a raw-written stream is never stored when the client leaves, nor when it carries PII',
    async run(ctx) {
      const backend = ctx.app.backend;
      backend.raw = true;
      try {
        const left = fresh('raw aborted');
        await abortAfterFirstChunk(ctx, streamed(left));
        expect((await post(ctx, streamed(left))).headers['x-vectorcache-status']).toBe('miss');

        backend.events = (body) => chatEvents(body).map((e) => e.replace('"content":"echo:"', '"content":"mail jane.doe@example.org:"'));
        const pii = fresh('raw pii');
        expect(readStream(await post(ctx, streamed(pii))).completion.choices[0]!.message.content).toContain('jane.doe@example.org');
        expect((await post(ctx, streamed(pii))).headers['x-vectorcache-status']).toBe('miss');
      } finally {
        delete backend.raw;
        delete backend.events;
      }
    },
  },
];

const adapters: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

for (const adapter of adapters) {
  describe(`streaming conformance: ${adapter}`, () => {
    const ctx = {} as Ctx;
    beforeAll(async () => {
      ctx.keys = await makeKeys();
      ctx.app = await startApp(adapter, baseOptions(ctx.keys));
    });
    afterAll(async () => { await ctx.app?.close(); });
    for (const c of cases) it(c.name, () => c.run(ctx));
  });
}
