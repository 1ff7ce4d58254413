// In-process gate cost in CPU time: guard.handle() for a hit and for a miss (with complete() sealing a 1 KB answer), no HTTP.
import { createGuard, createKey, MemoryCacheStore, MemoryKeyStore, type GuardRequest, type PassDecision } from '@vectorcache/core';

export interface GateFigures { hitNs: number; missNs: number; rounds: number }

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

/** Median ns per operation over `rounds` rounds of `ops` each. */
export async function measureGate(options: { rounds?: number; ops?: number } = {}): Promise<GateFigures> {
  const rounds = options.rounds ?? 7;
  const ops = options.ops ?? 2000;
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 'bench', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const guard = createGuard({
    environment: 'dev', keys, cache: new MemoryCacheStore(), encryption: { secret: 'bench-secret-bench-secret-bench-secret-0123' },
    lockout: { maxFailures: 1e9, windowMs: 60_000 }, suspicious: false,
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
  // CPU time of this process, not wall time: on a shared machine other processes' load stays out of it.
  const time = async (op: () => Promise<void>): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < ops; i++) await op();
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / ops;
  };
  const hits: number[] = [];
  const misses: number[] = [];
  await time(hit); await time(miss); // warm up
  for (let r = 0; r < rounds; r++) { hits.push(await time(hit)); misses.push(await time(miss)); }
  await guard.close();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { hitNs: median(hits), missNs: median(misses), rounds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureGate();
  console.log(JSON.stringify({ hitUs: +(figures.hitNs / 1000).toFixed(2), missUs: +(figures.missNs / 1000).toFixed(2) }));
}
