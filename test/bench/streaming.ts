// In-process streaming rows of `pnpm bench`: streamed hit vs JSON hit, capture overhead of a streamed miss, coalesced followers.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as here from '@vectorcache/core';
import type { Decision, Guard, GuardRequest, PassDecision } from '@vectorcache/core';
import { bareSeal } from '../../packages/core/src/crypto/fernet.bench.js';
import type { Core } from './gate.js';
import { cpuNs, median, wallNs, type BenchRow, type InProcessSettings } from './timing.js';

/** What the capture row needs of a core: this tree's, or another checkout's for a before/after (`capture-ab.ts`). */
export type StreamCore = Core & Pick<typeof here, 'recordNodeResponse'>;

const MODEL = 'gpt-bench';

/**
 * A 4 KB answer as an upstream streams it: one SSE event per word, role first, finish, usage. Each
 * call builds new strings, as a handler formatting an SDK's chunks does (`data: ${JSON.stringify(chunk)}`).
 */
function upstreamEvents(bytes: number, id = 'chatcmpl-bench'): { events: string[]; completion: unknown } {
  const words: string[] = [];
  for (let size = 0; size < bytes; size += 7) words.push(['stream', 'cache', 'replay', 'tokens', 'answer', 'vector', 'guards'][words.length % 7]!);
  const content = words.join(' ');
  const head = { id, object: 'chat.completion.chunk', created: 1_700_000_000, model: MODEL };
  const usage = { prompt_tokens: 20, completion_tokens: words.length, total_tokens: words.length + 20 };
  const frame = (choices: unknown[], extra: object = { usage: null }) => `data: ${JSON.stringify({ ...head, choices, ...extra })}\n\n`;
  const events = [
    frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...words.map((w, i) => frame([{ index: 0, delta: { content: (i ? ' ' : '') + w }, finish_reason: null }])),
    frame([{ index: 0, delta: {}, finish_reason: 'stop' }]),
    frame([], { usage }),
    'data: [DONE]\n\n',
  ];
  const completion = { id: head.id, object: 'chat.completion', created: head.created, model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }], usage };
  return { events, completion };
}

async function benchGuard(extra: Parameters<typeof here.createGuard>[0]['streaming'] = {}, core: Core = here): Promise<{ guard: Guard; view: (content: string, body?: Record<string, unknown>) => GuardRequest }> {
  const keys = new core.MemoryKeyStore();
  const { key } = await core.createKey(keys, { environment: 'dev', name: 'bench', scopes: ['cache:read', 'cache:write'], tenant: 'bench' });
  const guard = core.createGuard({
    environment: 'dev', keys, cache: new core.MemoryCacheStore(), encryption: { secret: 'bench-secret-bench-secret-bench-secret-00', iterations: 1000 },
    lockout: false, suspicious: false, streaming: extra, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
  });
  await guard.ready();
  const view = (content: string, body: Record<string, unknown> = {}): GuardRequest => ({
    method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    remoteAddress: '127.0.0.1', encrypted: false, records: true, body: { model: MODEL, messages: [{ role: 'user', content }], ...body },
  });
  return { guard, view };
}

/** Stores `completion` under the prompt, through a JSON miss. */
async function store(guard: Guard, view: GuardRequest, completion: unknown): Promise<void> {
  const miss = (await guard.handle(view)) as PassDecision;
  miss.recorder!.head(200, { 'content-type': 'application/json' });
  miss.recorder!.chunk(JSON.stringify(completion));
  miss.recorder!.end();
  await new Promise((resolve) => setTimeout(resolve, 5));
}

const bodyBytes = (d: Decision) => (d.kind === 'respond' ? Buffer.byteLength(d.body) : 0);

/** Median ns per call over interleaved rounds of async cases. */
async function timeAsync(cases: Record<string, () => Promise<unknown>>, rounds: number, perRound: number, clock = wallNs): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const fn of Object.values(cases)) for (let i = 0; i < 20; i++) await fn();
  const entries = Object.entries(cases);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order, so that whatever one case leaves behind (garbage, cold caches) hits each case alike.
    for (const [id, fn] of r % 2 ? [...entries].reverse() : entries) {
      const start = clock();
      for (let i = 0; i < perRound; i++) await fn();
      samples[id]!.push((clock() - start) / perRound);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function hitRows(s: InProcessSettings): Promise<BenchRow[]> {
  const { completion } = upstreamEvents(4096);
  const warm = await benchGuard();
  const cold = await benchGuard({ replayCacheBytes: 1 });
  for (const g of [warm, cold]) await store(g.guard, g.view('four kilobytes'), completion);
  const perRound = Math.max(20, s.roundMs * 10);
  const t = await timeAsync({
    json: async () => bodyBytes(await warm.guard.handle(warm.view('four kilobytes'))),
    stream: async () => bodyBytes(await warm.guard.handle(warm.view('four kilobytes', { stream: true, stream_options: { include_usage: true } }))),
    cold: async () => bodyBytes(await cold.guard.handle(cold.view('four kilobytes', { stream: true, stream_options: { include_usage: true } }))),
  }, s.rounds, perRound);
  await Promise.all([warm.guard.close(), cold.guard.close()]);
  const ratio = t.stream! / t.json!;
  return [
    { id: 'stream.hit.json', section: 'Streaming', label: 'JSON hit of a 4 KB answer: guard.handle (key, PII, lookup, decrypt) + body bytes', ns: t.json! },
    { id: 'stream.hit.sse', section: 'Streaming', label: 'streamed hit of the same answer (include_usage, replay kept ready): the whole body, first byte included', ns: t.stream!, vs: `${ratio.toFixed(2)}× the JSON hit`, data: { ratio } },
    { id: 'stream.hit.sse-cold', section: 'Streaming', label: 'streamed hit, replay built on every hit (replay cache off)', ns: t.cold!, vs: `${(t.cold! / t.json!).toFixed(2)}× the JSON hit` },
  ];
}

/**
 * CPU of what storing this answer cannot do without, whatever the capture: the guard's PII scan of
 * the completion, two bare AES-CBC + HMAC seals (prompt and answer, as an entry holds them) and
 * the binding HMAC of the answer's text. The floor of the row's store share.
 */
function storeFloor(completion: unknown, prompt: string): () => number {
  const scanner = here.compilePii({}, 'pii');
  const text = JSON.stringify(completion);
  const [signing, encryption, indexKey] = [randomBytes(16), randomBytes(16), randomBytes(32)];
  const [answerBytes, promptBytes] = [Buffer.from(text), Buffer.from(prompt)];
  // Once per call, between requests, as the store runs: not warmed by repeating it in a loop.
  return () => {
    const start = cpuNs();
    if (scanner.inspect(completion).action !== 'none') throw new Error('bench: the answer has PII');
    bareSeal(signing, encryption, promptBytes);
    bareSeal(signing, encryption, answerBytes);
    createHmac('sha256', indexKey).update(text).digest();
    return cpuNs() - start;
  };
}

/** Serves `events` per request over loopback, recorded by the guard or not, and times the handler's writes on the server. */
export async function captureRows(s: InProcessSettings, core: StreamCore = here): Promise<BenchRow[]> {
  const { events, completion } = upstreamEvents(4096);
  const { guard, view } = await benchGuard({ singleFlight: false }, core);
  const floor = storeFloor(completion, JSON.stringify(view('miss 0', { stream: true, stream_options: { include_usage: true } }).body));
  const floors: number[] = [];
  let n = 0;
  let lastCaptured = '';
  const spent: Record<'plain' | 'captured' | 'unstored', number[]> = { plain: [], captured: [], unstored: [] };
  // All are guarded streamed misses; captured ones hand their answer to the recorder. An unstored one
  // stops before [DONE]: every frame is still read, nothing is stored, which splits reassembly from store.
  // CPU time, not wall time: the machine may be shared, and the loopback client runs in this process.
  const server: Server = createServer(async (req, res) => {
    const kind = req.url!.slice(1) as keyof typeof spent;
    // Every stream its own id and its own, never-read strings, built before the clock starts: one
    // stream replayed would let anything cached per template or per string flatter the capture.
    const stream = upstreamEvents(4096, `chatcmpl-bench-${n}`).events;
    const start = cpuNs();
    const prompt = `miss ${n++}`;
    const decision = (await guard.handle(view(prompt, { stream: true, stream_options: { include_usage: true } }))) as PassDecision;
    if (kind !== 'plain' && decision.recorder) core.recordNodeResponse(res, decision.recorder);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of kind === 'unstored' ? stream.slice(0, -1) : stream) res.write(event);
    res.end();
    spent[kind].push(cpuNs() - start);
    if (kind === 'captured') lastCaptured = prompt;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) => new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end();
  });
  const count = Math.max(10, s.rounds * 30);
  for (let i = 0; i < count; i++) {
    for (const kind of Object.keys(spent)) await get(`/${kind}`);
    floors.push(floor());
  }
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // A row that measured a capture which stored nothing would flatter it.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const check = await guard.handle(view(lastCaptured));
  await guard.close();
  if (check.kind !== 'respond') throw new Error('bench: the captured stream was not stored');
  const [plain, captured, unstored] = [median(spent.plain), median(spent.captured), median(spent.unstored)];
  const overhead = captured / plain - 1;
  const reassembly = unstored / plain - 1;
  const storeFloorShare = median(floors) / plain;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [{
    id: 'stream.capture', section: 'Streaming',
    label: `guarded streamed miss, ${events.length} events (4 KB answer), server-side CPU without the upstream: with capture, reassembly and store`,
    ns: captured, vs: `${pct(overhead)} over the same miss uncaptured (${(plain / 1000).toFixed(0)} µs): reassembly ${pct(reassembly)}, store ${pct(overhead - reassembly)} (its floor: PII scan, seals, binding ${pct(storeFloorShare)})`,
    data: { overhead, reassembly, storeFloor: storeFloorShare },
  }];
}

/** 20 identical concurrent misses: one leader, 19 followers, each a JSON hit once the leader's answer is stored. */
async function coalesceRows(s: InProcessSettings): Promise<BenchRow[]> {
  const { completion } = upstreamEvents(4096);
  const { guard, view } = await benchGuard();
  const text = JSON.stringify(completion);
  await store(guard, view('one hit'), completion);
  let round = 0;
  const t = await timeAsync({
    hit: async () => guard.handle(view('one hit')),
    flight: async () => {
      const content = `coalesced ${round++}`;
      const leader = (await guard.handle(view(content))) as PassDecision;
      const followers = Array.from({ length: 19 }, () => guard.handle(view(content)));
      // The leader answers once every follower waits for it (as with a real upstream call).
      await new Promise((resolve) => setTimeout(resolve, 2));
      leader.recorder!.head(200, { 'content-type': 'application/json' });
      leader.recorder!.chunk(text);
      leader.recorder!.end();
      const answered = await Promise.all(followers);
      if (!answered.every((d) => d.kind === 'respond' && d.headers['x-vectorcache-coalesced'] === 'true')) throw new Error('bench: a follower was not coalesced');
    },
    // CPU time: followers sleep while they wait to join, so CPU is their cost, not wall time.
  }, s.rounds, Math.max(5, s.roundMs), cpuNs);
  await guard.close();
  const perFollower = t.flight! / 20;
  return [{
    id: 'stream.coalesce', section: 'Streaming', label: '20 identical concurrent misses (4 KB JSON answer): CPU per request, leader and its store included',
    ns: perFollower, vs: `${(perFollower / t.hit!).toFixed(2)}× one hit (${(t.hit! / 1000).toFixed(1)} µs)`, data: { ratio: perFollower / t.hit! },
  }];
}

export async function streamingRows(s: InProcessSettings): Promise<BenchRow[]> {
  return [...(await hitRows(s)), ...(await captureRows(s)), ...(await coalesceRows(s))];
}
