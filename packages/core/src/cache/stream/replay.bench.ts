// Micro-benchmark: a 4 KB answer served as a streamed replay vs as JSON, CPU alone and over loopback HTTP.
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseCompletion } from './completion.js';
import { replayText } from './replay.js';
import { ReplayCache } from './replay-cache.js';
import type { ChatCompletion } from './types.js';

export interface ReplayBenchRow {
  case: string;
  p50Us: number;
  p99Us: number;
}

/** A stored 4 KB answer, as a JSON request would have left it. */
export function answerOf(bytes: number): string {
  const words = ['stream', 'cache', 'replay', 'token', 'answer', 'vector', 'guard', 'chunk'];
  let content = '';
  for (let i = 0; content.length < bytes; i++) content += (i ? ' ' : '') + words[i % words.length];
  const completion: ChatCompletion = {
    id: 'chatcmpl-bench', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-bench',
    choices: [{ index: 0, message: { role: 'assistant', content: content.slice(0, bytes), refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 20, completion_tokens: 1000, total_tokens: 1020 },
  };
  return JSON.stringify(completion);
}

function quantiles(samples: number[]): { p50Us: number; p99Us: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
  return { p50Us: at(0.5), p99Us: at(0.99) };
}

function time(fn: () => unknown, rounds: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

async function get(agent: Agent, port: number, path: string): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Each case measured `rounds` times, the HTTP ones interleaved so that drift hits both alike. */
export async function benchReplay(options: { bytes?: number; rounds?: number; chunkWords?: number } = {}): Promise<ReplayBenchRow[]> {
  const stored = answerOf(options.bytes ?? 4096);
  const rounds = options.rounds ?? 2000;
  const form = { includeUsage: true, chunkWords: options.chunkWords };
  const replay = () => replayText(parseCompletion(stored)!, form);
  const memo = new ReplayCache();
  const warm = () => memo.text('entry-bind', 'usage', replay)!;
  const rows: ReplayBenchRow[] = [
    { case: 'cpu: JSON hit body (Buffer of the stored text)', ...quantiles(time(() => Buffer.from(stored), rounds)) },
    { case: 'cpu: streamed hit body (parse + replayText)', ...quantiles(time(() => Buffer.from(replay()), rounds)) },
    { case: 'cpu: streamed hit body (ReplayCache warm)', ...quantiles(time(warm, rounds)) },
  ];
  const server: Server = createServer((req, res) => {
    if (req.url === '/sse' || req.url === '/sse-warm') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(req.url === '/sse' ? replay() : warm());
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(stored);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const json: number[] = [];
    const sse: number[] = [];
    const sseWarm: number[] = [];
    for (let i = 0; i < rounds; i++) {
      json.push(await get(agent, port, '/json'));
      sse.push(await get(agent, port, '/sse'));
      sseWarm.push(await get(agent, port, '/sse-warm'));
    }
    rows.push(
      { case: 'http: JSON hit, whole body', ...quantiles(json) },
      { case: 'http: streamed hit, whole body', ...quantiles(sse) },
      { case: 'http: streamed hit, whole body (ReplayCache warm)', ...quantiles(sseWarm) },
    );
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchReplay();
  console.table(rows);
  const [json, cold, warm] = rows.filter((r) => r.case.startsWith('http'));
  console.log(`streamed / JSON, http p50: ${(cold!.p50Us / json!.p50Us).toFixed(2)}× (replay built per hit), ${(warm!.p50Us / json!.p50Us).toFixed(2)}× (ReplayCache warm)`);
}
