// Streaming through the guard's own API: replayed hits, pacing, options, erase against kept replays and waiting followers.
import { describe, expect, it } from 'vitest';
import { createGuard } from '../guard.js';
import type { Decision, GuardRequest, PassDecision, RespondDecision } from '../contract.js';
import type { GuardOptions } from '../options.js';
import { MemoryCacheStore } from '../stores/index.js';
import { createKey, MemoryKeyStore } from '../keys/index.js';

const completion = {
  id: 'chatcmpl-g', object: 'chat.completion', created: 1_700_000_000, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'one two three four five six', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 6, total_tokens: 7 },
};

async function setup(extra: Partial<GuardOptions> = {}) {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const guard = createGuard({ environment: 'dev', keys, cache: new MemoryCacheStore(), lockout: false, silenceWarnings: ['VC_NO_ENCRYPTION'], ...extra });
  const view = (content: string, body: Record<string, unknown> = {}, subject?: string): GuardRequest => ({
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false, records: true,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(subject ? { 'x-vectorcache-subject': subject } : {}) },
    body: { model: 'm', messages: [{ role: 'user', content }], ...body },
  });
  return { guard, view };
}

function answer(decision: Decision): void {
  const recorder = (decision as PassDecision).recorder!;
  recorder.head(200, { 'content-type': 'application/json' });
  recorder.chunk(JSON.stringify(completion));
  recorder.end();
}

const streamed = { stream: true };

describe('streamed hits through the guard', () => {
  it('replays a JSON-made entry as SSE with stream headers, in word groups of chunkWords', async () => {
    const { guard, view } = await setup({ streaming: { chunkWords: 2 } });
    answer(await guard.handle(view('q')));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const hit = (await guard.handle(view('q', streamed))) as RespondDecision;
    expect(hit.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-vectorcache-status': 'hit' });
    const pieces = hit.body.split('\n\n').filter((e) => e.includes('"content":"') && !e.includes('"role"')).map((e) => JSON.parse(e.slice(6)).choices[0].delta.content);
    expect(pieces).toEqual(['one two', ' three four', ' five six']);
    expect(hit.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('paces a replay when asked: the hit carries a stream of frames instead of a body', async () => {
    const { guard, view } = await setup({ streaming: { paceMs: 2 } });
    answer(await guard.handle(view('paced')));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const hit = (await guard.handle(view('paced', streamed))) as RespondDecision;
    expect(hit.body).toBe('');
    const frames: string[] = [];
    for await (const frame of hit.stream!) frames.push(String(frame));
    expect(frames.length).toBeGreaterThan(3);
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
  });

  it('validates the streaming options once, naming the option', async () => {
    await expect(setup({ streaming: { chunkWords: 0 } })).rejects.toThrow(/`streaming.chunkWords`/);
    await expect(setup({ streaming: { paceMs: -1 } })).rejects.toThrow(/`streaming.paceMs`/);
    await expect(setup({ streaming: { chunkWord: 1 } as never })).rejects.toThrow(/`streaming.chunkWord` is not a streaming option. Did you mean `chunkWords`/);
    await expect(setup({ streaming: { singleFlight: { waitMs: 0 } } })).rejects.toThrow(/`streaming.singleFlight.waitMs`/);
  });

  it('coalesces only for adapters that feed the recorder, and an erase releases waiting followers', async () => {
    const { guard, view } = await setup();
    const leader = await guard.handle(view('e', {}, 'alice'));
    const follower = guard.handle(view('e', {}, 'alice'));
    // A caller of the plain API (no `records`) never waits for another request.
    const plain = await guard.handle({ ...view('e', {}, 'alice'), records: false });
    expect(plain.kind).toBe('pass');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await guard.privacy.erase({ tenant: 'acme', subject: 'alice' });
    const released = await follower;
    expect(released.kind).toBe('pass');
    expect((released as PassDecision).cacheStatus).toBe('miss');
    answer(leader);
  });

  it('a single flight can be turned off', async () => {
    const { guard, view } = await setup({ streaming: { singleFlight: false } });
    const first = await guard.handle(view('off'));
    const second = await guard.handle(view('off'));
    expect([first.kind, second.kind]).toEqual(['pass', 'pass']);
  });
});
