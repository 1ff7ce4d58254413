// In-process gate cost in CPU time: guard.handle() for a hit and for a miss (with complete() sealing a 1 KB answer), no HTTP.
import { createGuard, createKey, MemoryCacheStore, MemoryKeyStore, type GuardRequest, type PassDecision } from '@vectorcache/core';
import { median } from './timing.js';

/** Medians, and each round's figures (for ratios to something timed in the same round). */
export interface GateFigures { hitNs: number; missNs: number; rounds: number; hits: number[]; misses: number[] }

const FILLER = 'The quick brown fox jumps over the lazy dog while the cache keeps every answer safe. ';
const PROMPT = FILLER.repeat(Math.ceil(1024 / FILLER.length)).slice(0, 1024);
const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: FILLER.repeat(12).slice(0, 900) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 200, completion_tokens: 200, total_tokens: 400 },
});

function tag(n: number): string {
  let out = '';
  for (let i = 0; i < 8; i++) { out += String.fromCharCode(97 + (n % 26)); n = Math.floor(n / 26); }
  return out;
}

/** What the gate ops need of the core package: this tree's, or another tree's loaded by path. */
export type Core = Pick<typeof import('@vectorcache/core'), 'createGuard' | 'createKey' | 'MemoryCacheStore' | 'MemoryKeyStore'>;

export interface GateOps { hit(): Promise<void>; miss(): Promise<void>; close(): Promise<void> }

/** A guard with one key and an encrypted memory cache; `hit` serves a stored answer, `miss` misses and seals a 1 KB answer. */
export async function gateOps(core: Core): Promise<GateOps> {
  const keys = new core.MemoryKeyStore();
  const { key } = await core.createKey(keys, { environment: 'dev', name: 'bench', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const guard = core.createGuard({
    environment: 'dev', keys, cache: new core.MemoryCacheStore(), encryption: { secret: 'bench-secret-bench-secret-bench-secret-0123' },
    // The suspicious-activity detector stays at its default (on), as users run it.
    lockout: { maxFailures: 1e9, windowMs: 60_000 },
  });
  await guard.ready();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const view = (content: string): GuardRequest => ({
    method: 'POST', url: '/v1/chat/completions', headers, remoteAddress: '127.0.0.1', encrypted: false, requestId: 'bench',
    body: { model: 'bench', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content }] },
  });
  const captured = { status: 200, headers: { 'content-type': 'application/json' }, body: ANSWER };
  let n = 0;
  const miss = async (): Promise<void> => {
    const decision = await guard.handle(view(`${tag(n++)} ${PROMPT}`)) as PassDecision;
    if (decision.kind !== 'pass' || decision.cacheStatus !== 'miss' || !decision.ticket) throw new Error(`bench: expected a miss, got ${decision.kind}`);
    await guard.complete(decision.ticket, captured).done;
  };
  const hitView = view(`hit ${PROMPT}`);
  const first = await guard.handle(hitView) as PassDecision;
  await guard.complete(first.ticket!, captured).done;
  const hit = async (): Promise<void> => {
    const decision = await guard.handle(hitView);
    if (decision.kind !== 'respond') throw new Error('bench: expected a hit');
  };
  return { hit, miss, close: () => guard.close() };
}

/** CPU time of this process per op, not wall time: on a shared machine other processes' load stays out of it. */
export async function cpuPerOp(op: () => Promise<void>, ops: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < ops; i++) await op();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / ops;
}

/** Median ns per operation over `rounds` rounds of `ops` each; `eachRound` runs before every round (e.g. to time a floor beside it). */
export async function measureGate(options: { rounds?: number; ops?: number; eachRound?: () => void } = {}): Promise<GateFigures> {
  const rounds = options.rounds ?? 7;
  const ops = options.ops ?? 2000;
  const gate = await gateOps({ createGuard, createKey, MemoryCacheStore, MemoryKeyStore });
  const hits: number[] = [];
  const misses: number[] = [];
  await cpuPerOp(gate.hit, ops); await cpuPerOp(gate.miss, ops); // warm up
  for (let r = 0; r < rounds; r++) {
    options.eachRound?.();
    hits.push(await cpuPerOp(gate.hit, ops));
    misses.push(await cpuPerOp(gate.miss, ops));
  }
  await gate.close();
  return { hitNs: median(hits), missNs: median(misses), rounds, hits, misses };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureGate();
  console.log(JSON.stringify({ hitUs: +(figures.hitNs / 1000).toFixed(2), missUs: +(figures.missNs / 1000).toFixed(2) }));
}
