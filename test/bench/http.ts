// HTTP part of the benchmark: servers in child processes, autocannon in this one, bare and guarded runs interleaved per round.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { chatBody } from './chat-body.js';
import type { ServerMode } from './servers/common.js';
import { median } from './timing.js';

export type Framework = 'express' | 'koa' | 'fastify';
/** `miss` and `hit` both run the guarded server; each has its own process so their caches never mix. */
export type HttpCase = 'bare' | 'miss' | 'hit' | 'peer10' | 'peer1000';

export interface HttpSettings {
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  frameworks: readonly Framework[];
}

/** One autocannon run. Latencies in milliseconds as autocannon reports them. */
export interface HttpSample {
  round: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** For guarded runs: cache outcomes the guard counted during the run (from its stats route). */
  hits?: number;
  misses?: number;
}

export interface HttpRow {
  id: string;
  framework: Framework;
  case: HttpCase;
  label: string;
  /** Medians over rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over rounds of this run's req/s divided by the same round's bare req/s. */
  ratioToBare?: number;
  /** Median over rounds of 1e6 × (1/rps − 1/rps_bare): server time added per request, in µs. */
  addedUs?: number;
  /** How the cache outcome was verified (guarded rows), or why a row is not trustworthy. */
  check?: string;
  samples: HttpSample[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_DIR = fileURLToPath(new URL('./servers/', import.meta.url));
const ROUTE = '/v1/chat/completions';

export const CASE_LABELS: Record<HttpCase, string> = {
  bare: 'bare route (framework JSON parsing, trivial answer)',
  miss: 'guarded miss (key + 100k allowlist + PII + encrypt + cache write)',
  hit: 'guarded hit (key + 100k allowlist + PII + decrypt; handler not called)',
  peer10: 'peer stack: express-ipfilter 10 ranges + helmet + key map + redact-pii',
  peer1000: 'peer stack: express-ipfilter 1,000 ranges + helmet + key map + redact-pii',
};

export const SERVER_MODE: Record<HttpCase, ServerMode> = { bare: 'bare', miss: 'guarded', hit: 'guarded', peer10: 'peer10', peer1000: 'peer1000' };

export function casesFor(framework: Framework): HttpCase[] {
  return framework === 'express' ? ['bare', 'miss', 'hit', 'peer10', 'peer1000'] : ['bare', 'miss', 'hit'];
}

/** Counter shared by every run of the process, so no miss-path body is ever sent twice. */
let counter = 1;
const HIT_BODY = chatBody(0);

// ------------------------------------------------------------------ servers

export interface RunningServer {
  url: string;
  key?: string;
  readyUs: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `servers/<framework>.ts <mode>` in its own Node process and waits for its ready line. */
export async function startServer(framework: Framework, mode: ServerMode, extraNodeArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [...extraNodeArgs, '--conditions=source', '--import', 'tsx', `${SERVER_DIR}${framework}.ts`, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => {
      lines.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`${framework} ${mode} server exited (${code}) before listening`)));
  });
  const info = JSON.parse(line) as { port: number; key?: string; readyUs: number };
  return {
    url: `http://127.0.0.1:${info.port}`,
    ...(info.key === undefined ? {} : { key: info.key }),
    readyUs: info.readyUs,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function headersFor(key: string | undefined): Record<string, string> {
  return key === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${key}` };
}

async function post(server: RunningServer, body: string): Promise<{ status: number; cache: string | null }> {
  const res = await fetch(server.url + ROUTE, { method: 'POST', headers: headersFor(server.key), body });
  await res.arrayBuffer();
  return { status: res.status, cache: res.headers.get('x-vectorcache-status') };
}

async function stats(server: RunningServer): Promise<{ hits: number; misses: number }> {
  const res = await fetch(`${server.url}/v1/vectorcache/stats`, { headers: headersFor(server.key) });
  const json = (await res.json()) as { hits: number; misses: number };
  return { hits: json.hits, misses: json.misses };
}

/** Proves each server answers as its case claims before anything is timed; pre-warms the hit path. */
async function precheck(server: RunningServer, c: HttpCase): Promise<void> {
  const expect = (what: string, ok: boolean) => {
    if (!ok) throw new Error(`bench precheck failed: ${c} ${what}`);
  };
  if (c === 'miss') {
    const a = await post(server, chatBody(counter++));
    const b = await post(server, chatBody(counter++));
    expect(`distinct prompts must both miss (got ${a.status} ${a.cache}, ${b.status} ${b.cache})`, a.status === 200 && a.cache === 'miss' && b.cache === 'miss');
  } else if (c === 'hit') {
    const warm = await post(server, HIT_BODY);
    const again = await post(server, HIT_BODY);
    expect(`pre-warm then hit (got ${warm.cache}, ${again.cache})`, warm.status === 200 && again.status === 200 && again.cache === 'hit');
  } else {
    const r = await post(server, chatBody(counter++));
    expect(`status ${r.status}`, r.status === 200);
  }
}

// ------------------------------------------------------------------ load

/** What one autocannon run measured; latencies from its per-response timer (its own histogram rounds to whole ms). */
export interface LoadResult {
  result: Result;
  latenciesMs: Float64Array;
}

/** One autocannon run against `server`; every case but `hit` sends a new prompt on every request. */
export async function load(server: RunningServer, c: HttpCase, durationS: number, connections: number): Promise<LoadResult> {
  const varying = c !== 'hit';
  let latencies = new Float64Array(65_536);
  let n = 0;
  const run = autocannon({
    url: server.url + ROUTE,
    connections,
    duration: durationS,
    method: 'POST',
    headers: headersFor(server.key),
    // Every case goes through setupRequest, so the load generator does the same work for all of them.
    requests: [{ method: 'POST', path: ROUTE, setupRequest: (req) => ({ ...req, body: varying ? chatBody(counter++) : HIT_BODY }) }],
  });
  run.on('response', (_client, status, _bytes, ms) => {
    if (status < 200 || status > 299) return;
    if (n === latencies.length) {
      const bigger = new Float64Array(n * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[n++] = ms;
  });
  const result = await run;
  return { result, latenciesMs: latencies.subarray(0, n) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function sampleOf(round: number, { result: r, latenciesMs }: LoadResult): HttpSample {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    round,
    rps: r.requests.total / r.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sum / sorted.length,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}


/**
 * Runs every case of every framework. Per framework, all its servers start first; each round
 * then runs bare and guarded cases back to back (order reversed on odd rounds), so drift of a
 * shared machine hits all of them, and each ratio is taken within one round.
 */
export async function runHttp(settings: HttpSettings, log: (line: string) => void = () => {}): Promise<HttpRow[]> {
  const rows: HttpRow[] = [];
  for (const framework of settings.frameworks) {
    const cases = casesFor(framework);
    const servers = new Map<HttpCase, RunningServer>();
    try {
      const startedAt = Date.now();
      const started = await Promise.allSettled(cases.map(async (c) => servers.set(c, await startServer(framework, SERVER_MODE[c]))));
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      log(`  ${framework}: ${cases.length} servers up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      for (const c of cases) await precheck(servers.get(c)!, c);
      const samples = new Map<HttpCase, HttpSample[]>(cases.map((c) => [c, []]));
      for (let round = 0; round < settings.rounds; round++) {
        const order = round % 2 ? [...cases].reverse() : cases;
        for (const c of order) {
          const server = servers.get(c)!;
          if (settings.warmupS > 0) await load(server, c, settings.warmupS, settings.connections);
          const guarded = c === 'miss' || c === 'hit';
          const before = guarded ? await stats(server) : undefined;
          const sample = sampleOf(round, await load(server, c, settings.durationS, settings.connections));
          if (before) {
            const after = await stats(server);
            sample.hits = after.hits - before.hits;
            sample.misses = after.misses - before.misses;
          }
          samples.get(c)!.push(sample);
          log(`  ${framework} ${c.padEnd(8)} round ${round + 1}: ${Math.round(sample.rps)} req/s, p50 ${sample.p50Ms.toFixed(2)} ms, p99 ${sample.p99Ms.toFixed(2)} ms`);
        }
      }
      const bare = samples.get('bare')!;
      for (const c of cases) {
        const own = samples.get(c)!;
        const row: HttpRow = {
          id: `http.${framework}.${c}`,
          framework,
          case: c,
          label: CASE_LABELS[c],
          rps: median(own.map((s) => s.rps)),
          p50Ms: median(own.map((s) => s.p50Ms)),
          p99Ms: median(own.map((s) => s.p99Ms)),
          samples: own,
        };
        if (c !== 'bare') {
          row.ratioToBare = median(own.map((s, i) => s.rps / bare[i]!.rps));
          row.addedUs = median(own.map((s, i) => 1e6 * (1 / s.rps - 1 / bare[i]!.rps)));
        }
        row.check = checkOf(c, own);
        rows.push(row);
      }
    } finally {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    }
  }
  return rows;
}

/** States what the run proves about itself: all 2xx, and for guarded runs the cache outcome of every request. */
function checkOf(c: HttpCase, samples: HttpSample[]): string {
  const requests = samples.reduce((n, s) => n + s.requests, 0);
  const bad = samples.reduce((n, s) => n + s.non2xx + s.errors, 0);
  const parts = [bad === 0 ? 'all 2xx' : `INVALID: ${bad} non-2xx/errors`];
  if (c === 'miss' || c === 'hit') {
    const hits = samples.reduce((n, s) => n + (s.hits ?? 0), 0);
    const misses = samples.reduce((n, s) => n + (s.misses ?? 0), 0);
    const wanted = c === 'miss' ? misses : hits;
    // autocannon stops counting at the deadline while a few answers are still in flight, so the
    // guard may count up to one request per connection more than autocannon.
    parts.push(`${c === 'miss' ? 'misses' : 'hits'} ${wanted}/${requests}, ${c === 'miss' ? 'hits' : 'misses'} ${c === 'miss' ? hits : misses} (guard stats)`);
    if ((c === 'miss' ? hits : misses) !== 0 || wanted < requests) parts[0] = `INVALID: ${parts[0]}`;
  }
  return parts.join('; ');
}
