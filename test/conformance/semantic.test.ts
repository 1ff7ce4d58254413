// Semantic matching through every adapter: paraphrase hits, hard partitions, false-hit guards, refusal header, erase, failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { MemoryVectorIndex, offlineEmbedder, type Embedder, type GuardOptions } from '@vectorcache/core';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from './harness.js';
import { postText, readStream } from './sse.js';

const offline = offlineEmbedder();

/** The offline embedder, recording every text it is asked to embed (nothing flagged may ever reach it). */
function recording(seen: string[], fail: { on: boolean }): Embedder {
  return {
    id: offline.id, version: offline.version, dimensions: offline.dimensions,
    embed(texts, options) {
      seen.push(...texts);
      if (fail.on) throw new Error('embedder down');
      return offline.embed(texts, options);
    },
  };
}

interface Ctx { app: App; keys: Keys; index: MemoryVectorIndex; seen: string[]; fail: { on: boolean }; indexing: { pending: number } }

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (ctx: Ctx, body: unknown, headers: Record<string, string> = {}) =>
  request(ctx.app.url).post('/v1/chat/completions').set({ 'content-type': 'application/json', ...bearer(ctx.keys.full), ...headers }).send(JSON.stringify(body));

let n = 0;
/**
 * A topic code no other case uses, so cases never answer each other: letters and digits, a literal
 * the guards keep identical. (Letters only were not enough: two unknown words with a shared prefix
 * reach ~0.9 similarity through the embedder's hashed character features, 0.16% of pairs over 0.84.)
 */
const topic = () => `zorbix${++n}q${Math.random().toString(36).slice(2, 6)}`;
const ask = (t: string) => `How do I reset my ${t} in the settings page?`;
const rephrase = (t: string) => `How can I reset my ${t} in settings page?`;
function cosine(a: string, b: string): number {
  const [x, y] = offline.embed([a, b]) as Float32Array[];
  return x!.reduce((sum, v, i) => sum + v * y![i]!, 0);
}

/** Either form: a streamed answer is read to its end as text. */
const postAny = (ctx: Ctx, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  (body.stream === true ? postText(ctx.app.url, body, { ...bearer(ctx.keys.full), ...headers }) : post(ctx, body, headers));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no vector write has been in flight for a few ticks (earlier requests' indexing runs after their replies). */
async function indexingSettled(ctx: Ctx): Promise<void> {
  for (let calm = 0; calm < 3;) {
    await sleep(5);
    calm = ctx.indexing.pending === 0 ? calm + 1 : 0;
  }
}

/** A miss whose answer is then indexed: waits until the vector is in the index (indexing runs after the reply). */
async function stored(ctx: Ctx, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<void> {
  // Earlier requests' vectors must have landed first, or one of them could be taken for this one's.
  await indexingSettled(ctx);
  const before = ctx.index.stats().vectors;
  const first = await postAny(ctx, body, headers);
  expect(first.headers['x-vectorcache-status'], JSON.stringify(first.headers)).toBe('miss');
  const started = Date.now();
  while (ctx.index.stats().vectors <= before) {
    if (Date.now() - started > 5_000) throw new Error('the answer was not indexed within 5 s');
    await sleep(5);
  }
  await indexingSettled(ctx);
}

const cases: Array<{ name: string; run(ctx: Ctx): Promise<void> }> = [
  {
    name: 'a rephrased question is answered semantically, an identical one exactly',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)));
      const calls = ctx.app.backend.calls;
      const semantic = await post(ctx, chat(rephrase(t)));
      expect(semantic.status).toBe(200);
      expect(semantic.headers['x-vectorcache-status']).toBe('hit');
      expect(semantic.headers['x-vectorcache-match']).toBe('semantic');
      expect(JSON.parse(semantic.text).choices[0].message.content).toBe(`echo: ${ask(t)}`);
      const exact = await post(ctx, chat(ask(t)));
      expect(exact.headers['x-vectorcache-match']).toBe('exact');
      expect(ctx.app.backend.calls).toBe(calls);
      expect(ctx.app.guard.stats('acme').semanticHits).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'a rephrased streamed request gets the JSON-made answer replayed as SSE, in the form it asked for',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)));
      const calls = ctx.app.backend.calls;
      for (const extra of [{}, { stream_options: { include_usage: true } }]) {
        const res = await postText(ctx.app.url, chat(rephrase(t), { stream: true, ...extra }), bearer(ctx.keys.full));
        expect(res.status).toBe(200);
        expect(res.headers['x-vectorcache-status']).toBe('hit');
        expect(res.headers['x-vectorcache-match']).toBe('semantic');
        const { chunks, completion } = readStream(res);
        expect(completion.choices[0]!.message.content).toBe(`echo: ${ask(t)}`);
        expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
        expect(chunks[0]!.choices[0].delta.role).toBe('assistant');
        const last = chunks.at(-1)!;
        if ('stream_options' in extra) expect(last).toMatchObject({ choices: [], usage: { total_tokens: 8 } });
        else expect(last.choices[0].finish_reason).toBe('stop');
      }
      expect(ctx.app.backend.calls).toBe(calls);
      const hits = ctx.app.events.filter((e) => e.type === 'cache.semantic_hit' && e.stream === true);
      expect(hits.length).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'a streamed miss is indexed, and a rephrased JSON request gets its answer as JSON',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t), { stream: true }));
      const calls = ctx.app.backend.calls;
      const res = await post(ctx, chat(rephrase(t)));
      expect(res.headers['x-vectorcache-status']).toBe('hit');
      expect(res.headers['x-vectorcache-match']).toBe('semantic');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const completion = JSON.parse(res.text) as { object: string; choices: Array<{ message: { content: string } }> };
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0]!.message.content).toBe(`echo: ${ask(t)}`);
      expect(ctx.app.backend.calls).toBe(calls);
    },
  },
  {
    name: 'X-Vectorcache-Semantic: off refuses a semantic answer, and that request\'s answer still answers later ones',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)));
      // A miss although a neighbour exists, and its own answer is indexed (stored() waits for the vector).
      await stored(ctx, chat(rephrase(t)), { 'x-vectorcache-semantic': 'off' });
      const later = await post(ctx, chat(`${rephrase(t)}`, { temperature: 0 }), {});
      expect(later.headers['x-vectorcache-status']).toBe('miss'); // other parameters: another partition
      const again = await post(ctx, chat(`Reset my ${t} in the settings page, how do I?`), {});
      expect(again.headers['x-vectorcache-match']).toBe('semantic');
    },
  },
  {
    name: 'hard partitions: another system prompt, model, subject or tenant never gets the answer',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)), { 'x-vectorcache-subject': 'alice' });
      const system = { model: 'gpt-test', messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: rephrase(t) }] };
      for (const [body, headers] of [
        [system, { 'x-vectorcache-subject': 'alice' }],
        [chat(rephrase(t), { model: 'gpt-other' }), { 'x-vectorcache-subject': 'alice' }],
        [chat(rephrase(t)), { 'x-vectorcache-subject': 'bob' }],
        [chat(rephrase(t)), {}],
        [chat(rephrase(t)), { ...bearer(ctx.keys.otherTenant), 'x-vectorcache-subject': 'alice' }],
      ] as const) {
        const res = await post(ctx, body, headers);
        expect(res.headers['x-vectorcache-status'], JSON.stringify(headers)).toBe('miss');
      }
      expect((await post(ctx, chat(rephrase(t)), { 'x-vectorcache-subject': 'alice' })).headers['x-vectorcache-match']).toBe('semantic');
    },
  },
  {
    name: 'false-hit guards: a different number or a negation on one side is never a semantic hit',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(`How do I reset ${t} number 12 in the settings page?`));
      expect((await post(ctx, chat(`How can I reset ${t} number 13 in settings page?`))).headers['x-vectorcache-status']).toBe('miss');
      expect((await post(ctx, chat(`How do I not reset ${t} number 12 in the settings page?`))).headers['x-vectorcache-status']).toBe('miss');
      expect((await post(ctx, chat(`How can I reset ${t} number 12 in settings page?`))).headers['x-vectorcache-match']).toBe('semantic');
    },
  },
  {
    name: 'a caller may raise the threshold, never lower it below the configured floor',
    async run(ctx) {
      const t = topic();
      const stored_ = `Which ${t} settings should I change for faster startup times?`;
      const near = `Which ${t} settings should I change for faster startup times today?`;
      const far = `What ${t} options make the program start up quickly on an old laptop?`;
      // Measured here, so the case shows what it claims: near is above the floor, far below it.
      expect(cosine(stored_, near)).toBeGreaterThan(0.84);
      expect(cosine(stored_, near)).toBeLessThan(0.9999);
      expect(cosine(stored_, far)).toBeLessThan(0.84);
      expect(cosine(stored_, far)).toBeGreaterThan(0.01);
      await stored(ctx, chat(stored_));
      expect((await post(ctx, chat(near), { 'x-vectorcache-semantic-threshold': '0.9999' })).headers['x-vectorcache-status']).toBe('miss');
      expect((await post(ctx, chat(far), { 'x-vectorcache-semantic-threshold': '0.01' })).headers['x-vectorcache-status']).toBe('miss');
    },
  },
  {
    name: 'nothing the PII gate flags is ever embedded, and short or tool-turn messages are never semantic',
    async run(ctx) {
      const t = topic();
      await post(ctx, chat(`Please email ${t} at jane.doe@example.com about the invoice`));
      await post(ctx, chat('hi there'));
      await post(ctx, { model: 'gpt-test', messages: [{ role: 'user', content: ask(t) }, { role: 'tool', content: ask(t), tool_call_id: 'x' }] });
      // Background indexing runs in order: once this one landed, the requests above had their chance.
      await stored(ctx, chat(ask(t)));
      expect(ctx.seen.some((text) => text.includes('jane.doe@example.com'))).toBe(false);
      expect(ctx.seen).not.toContain('hi there');
      const skipped = ctx.app.guard.stats('acme').semanticSkipped;
      expect(skipped.too_short).toBeGreaterThanOrEqual(1);
      expect(skipped.tool_turn).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'an embedder failure skips the semantic lookup (counted), the exact path still answers',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)));
      ctx.fail.on = true;
      try {
        const res = await post(ctx, chat(rephrase(t)));
        expect(res.status).toBe(200);
        expect(res.headers['x-vectorcache-status']).toBe('miss');
        expect((await post(ctx, chat(ask(t)))).headers['x-vectorcache-match']).toBe('exact');
      } finally {
        ctx.fail.on = false;
      }
      expect(ctx.app.guard.stats('acme').semanticSkipped.embedder_failed).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'a subject erase removes its vectors: no semantic answer afterwards',
    async run(ctx) {
      const t = topic();
      await stored(ctx, chat(ask(t)), { 'x-vectorcache-subject': 'carol' });
      await stored(ctx, chat(`Where is the ${t} export button in the settings page?`), { 'x-vectorcache-subject': 'carol' });
      const before = ctx.index.stats().vectors;
      await ctx.app.guard.privacy.erase({ tenant: 'acme', subject: 'carol' });
      expect(ctx.index.stats().vectors).toBe(before - 2);
      const res = await post(ctx, chat(rephrase(t)), { 'x-vectorcache-subject': 'carol' });
      expect(res.headers['x-vectorcache-status']).toBe('miss');
    },
  },
];

const adapters: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

for (const adapter of adapters) {
  describe(`semantic conformance: ${adapter}`, () => {
    const ctx = { seen: [] as string[], fail: { on: false }, indexing: { pending: 0 } } as Ctx;
    beforeAll(async () => {
      ctx.keys = await makeKeys();
      ctx.index = new MemoryVectorIndex({ dimensions: offline.dimensions });
      // Counts vector writes in flight, so cases can wait for the indexing of earlier answers.
      const upsert = ctx.index.upsert.bind(ctx.index);
      ctx.index.upsert = (item) => {
        ctx.indexing.pending++;
        return Promise.resolve().then(() => upsert(item)).finally(() => { ctx.indexing.pending--; });
      };
      const semantic: GuardOptions['semantic'] = { embedder: recording(ctx.seen, ctx.fail), index: ctx.index };
      ctx.app = await startApp(adapter, baseOptions(ctx.keys, { semantic }));
    });
    afterAll(async () => { await ctx.app?.close(); });
    for (const c of cases) it(c.name, () => c.run(ctx));
  });
}

describe('semantic options', () => {
  it('are validated once, naming the option and the fix', async () => {
    const keys = await makeKeys();
    const index = new MemoryVectorIndex({ dimensions: offline.dimensions });
    const make = (semantic: unknown) => () => startApp('express', baseOptions(keys, { semantic } as never));
    await expect(make({ index })).rejects.toThrow(/semantic\.embedder/);
    await expect(make({ embedder: offline })).rejects.toThrow(/semantic\.index/);
    await expect(make({ embedder: offline, index: new MemoryVectorIndex({ dimensions: 8 }) })).rejects.toThrow(/8-dimensional.*356/);
    await expect(make({ embedder: { ...offline, id: 'other', embed: offline.embed }, index })).rejects.toThrow(/semantic\.threshold` is required/);
    await expect(make({ embedder: offline, index, threshold: 1.5 })).rejects.toThrow(/semantic\.threshold/);
    await expect(make({ embedder: offline, index, treshold: 0.9 })).rejects.toThrow(/semantic\.treshold/);
  });
});
