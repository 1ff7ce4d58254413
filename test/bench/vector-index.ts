// Benchmark rows of the vector indexes (issue 15): in-process search at 1k and 100k, memory per vector, rotation cost, pgvector on PGlite.
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as core from '@vectorcache/core';
import { MemoryVectorIndex, createVectorRotation, type Guard, type GuardRequest } from '@vectorcache/core';
import { PgVectorIndex } from '@vectorcache/pgvector';
import { startPglite } from '../semantic/pglite-server.js';
import { cpuPerOp, type Core } from './gate.js';
import { formatNs, measure, median, type BenchRow } from './timing.js';
import { vectorMemoryChild } from './vector-memory.js';
import { clustered, load, unit } from './vectors.js';

export interface VectorBenchSettings {
  /** Vectors in the one searched partition. */
  sizes: number[];
  dimensions: number[];
  rounds: number;
  roundMs: number;
  /** Vectors loaded into pgvector (PGlite is single-threaded WASM: informative only). */
  pgVectors: number;
  pgQueries: number;
}

export const VECTOR_BENCH_SETTINGS: Record<'full' | 'quick' | 'tiny', VectorBenchSettings> = {
  full: { sizes: [1_000, 100_000], dimensions: [100, 256], rounds: 7, roundMs: 100, pgVectors: 5_000, pgQueries: 300 },
  quick: { sizes: [1_000, 100_000], dimensions: [100], rounds: 5, roundMs: 30, pgVectors: 2_000, pgQueries: 100 },
  tiny: { sizes: [200, 1_000, 5_000], dimensions: [16], rounds: 2, roundMs: 2, pgVectors: 100, pgQueries: 10 },
};

function recallAt1(a: MemoryVectorIndex, b: MemoryVectorIndex, queries: Float32Array[]): number {
  let same = 0;
  for (const vector of queries) {
    const q = { partition: 'p', vector, k: 1, minSimilarity: -1, now: Date.now() };
    if (a.search(q)[0]?.key === b.search(q)[0]?.key) same++;
  }
  return same / queries.length;
}

async function memoryRows(s: VectorBenchSettings): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const d of s.dimensions) {
    for (const size of s.sizes) {
      const vectors = clustered(size, d, d * 7 + size);
      // A paraphrase hit: the query lies near one stored vector (cosine about 0.9x), which HNSW must find.
      const noise = clustered(200, d, d * 11 + size);
      const queries = noise.map((q, i) => unit(vectors[(i * 97) % size]!.map((x, j) => x + q[j]! * 0.3)));
      const auto = new MemoryVectorIndex({ dimensions: d, maxVectors: size });
      const exact = new MemoryVectorIndex({ dimensions: d, maxVectors: size, hnsw: 'off' });
      await auto.init();
      load(auto, vectors, 'p');
      load(exact, vectors, 'p');
      let n = 0;
      const next = () => queries[n++ % queries.length]!;
      const t = measure([
        { id: 'auto', fn: () => auto.search({ partition: 'p', vector: next(), k: 4, minSimilarity: 0.5, now: Date.now() }) },
        { id: 'exact', fn: () => exact.search({ partition: 'p', vector: next(), k: 4, minSimilarity: 0.5, now: Date.now() }) },
      ], s.rounds, s.roundMs);
      const mode = auto.stats().approximatePartitions > 0 ? 'HNSW (usearch)' : 'exact';
      const recall = recallAt1(auto, exact, queries);
      const label = `${size.toLocaleString('en-US')} × ${d}-d`;
      const memory = await vectorMemoryChild(size, d, size <= 10_000 ? 3 : 1);
      rows.push(
        { id: `vindex.search.${size}.${d}`, section: 'Vector index', label: `MemoryVectorIndex.search, ${label} in one partition, ${mode}`, ns: t.get('auto')!, vs: `exact scan ${formatNs(t.get('exact')!)}; same best match as exact for ${(recall * 100).toFixed(1)}% of near-duplicate queries`, data: { recall, mode } },
        { id: `vindex.memory.${size}.${d}`, section: 'Vector index', label: `memory per stored vector, ${label} (child process after gc(): the larger of the RSS and V8-accounted deltas, incl. HNSW graph)`, result: `${Math.round(memory.bytesPerVector)} B`, vs: `RSS ${Math.round(memory.rssPerVector)} B · V8 heap + external ${Math.round(memory.accountedPerVector)} B; load ${(memory.buildMs / size * 1000).toFixed(0)} µs/vector`, data: { ...memory } },
      );
      auto.shutdown();
      exact.shutdown();
    }
  }
  return rows;
}

function rotationRows(s: VectorBenchSettings): BenchRow[] {
  const rotation = createVectorRotation(randomBytes(32));
  const rows: BenchRow[] = [];
  for (const d of [100, 1536]) {
    const rotate = rotation.forTenant('acme');
    const v = clustered(1, d, d)[0]!;
    const t = measure([{ id: 'r', fn: () => rotate(v) }], s.rounds, s.roundMs);
    rows.push({ id: `vrotation.${d}`, section: 'Vector index', label: `keyed rotation of one ${d}-d vector (3 rounds of permutation, signs, block Walsh–Hadamard)`, ns: t.get('r')! });
  }
  return rows;
}

async function pgRows(s: VectorBenchSettings): Promise<BenchRow[]> {
  const server = await startPglite();
  const index = new PgVectorIndex({ connectionString: server.url, dimensions: 100, table: 'vc_bench', timeoutMs: 5_000 });
  try {
    await index.init();
    const vectors = clustered(s.pgVectors, 100, 5);
    for (let i = 0; i < vectors.length; i++) {
      await index.upsert({ partition: i % 2 ? 'p' : 'other', key: `k${i}`, tenantTag: 't', vector: vectors[i]!, expiresAt: Date.now() + 3_600_000 });
    }
    const times: number[] = [];
    for (let i = 0; i < s.pgQueries; i++) {
      const started = process.hrtime.bigint();
      await index.search({ partition: 'p', vector: vectors[(i * 7) % vectors.length]!, k: 4, minSimilarity: 0.5, now: Date.now() });
      times.push(Number(process.hrtime.bigint() - started));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    return [{ id: 'vindex.pg.search', section: 'Vector index', label: `PgVectorIndex.search over TCP, PGlite + pgvector (WASM, single-threaded), ${s.pgVectors.toLocaleString('en-US')} vectors, half in the partition`, ns: median, vs: `p99 ${formatNs(times[Math.floor(times.length * 0.99)]!)}; informative, a real PostgreSQL is faster` }];
  } finally {
    await index.shutdown();
    await server.stop();
  }
}

const WORDS = ['river', 'garden', 'engine', 'window', 'market', 'winter', 'silver', 'paper', 'forest', 'camera', 'bridge', 'kitchen', 'planet', 'guitar', 'harbor', 'pencil', 'ladder', 'candle', 'mirror', 'rocket'];
/** Words no stored prompt has: the timed requests are semantic misses, not near duplicates. */
const OTHER = ['violin', 'desert', 'pepper', 'castle', 'glacier', 'button', 'tunnel', 'orchid', 'saddle', 'lantern', 'meadow', 'anchor', 'velvet', 'falcon', 'pillow', 'cobalt', 'quarry', 'walnut', 'beacon', 'thistle'];
/** Distinct prompts without digits or names, so the false-hit guards put them all in one partition. */
const prompt = (i: number, lead: string, w = WORDS): string =>
  `${lead} the ${w[i % 20]} ${w[Math.floor(i / 20) % 20]} ${w[Math.floor(i / 400) % 20]} work for a ${w[(i * 7) % 20]}?`;

/** What missGuard needs of a core: this tree's, or another checkout's (semantic-ab.ts). */
export type MissCore = Core & Pick<typeof core, 'MemoryVectorIndex' | 'offlineEmbedder'>;

export interface MissGuard {
  guard: Guard;
  view: (prompt: string) => GuardRequest;
}

/** A guard of the embedded defaults, with or without semantic matching; `stored` answers already cached in one partition. */
export async function missGuard(semantic: boolean, stored: number, c: MissCore = core): Promise<MissGuard> {
  const keys = new c.MemoryKeyStore();
  const { key } = await c.createKey(keys, { environment: 'dev', name: 'bench', tenant: 'bench', scopes: ['cache:read', 'cache:write'] });
  const embedder = c.offlineEmbedder();
  const guard = c.createGuard({
    environment: 'dev', keys, cache: new c.MemoryCacheStore(), encryption: { secret: 'vector-bench-secret-vector-bench-secret-0123', iterations: 1000 },
    lockout: false, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
    ...(semantic ? { semantic: { embedder, index: new c.MemoryVectorIndex({ dimensions: embedder.dimensions }) } } : {}),
  });
  await guard.ready();
  const view = (prompt: string): GuardRequest => ({
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: { model: 'gpt-bench', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: prompt }] },
  });
  for (let i = 0; i < stored; i++) {
    const decision = await guard.handle(view(prompt(i, 'how does')));
    if (decision.kind === 'pass' && decision.ticket) {
      const answer = { choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' }] };
      await guard.complete(decision.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) }).done;
    }
  }
  // Indexing runs after the store; let it land.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { guard, view };
}

let misses = 0;

/**
 * CPU nanoseconds per request of `ops` requests that must miss, exact and semantic: prompts of
 * words no stored prompt has, never completed, so a repeat (past ~8,000) is a miss again.
 */
export function cpuPerMiss(g: MissGuard, ops: number): Promise<number> {
  return cpuPerOp(async () => {
    const decision = await g.guard.handle(g.view(prompt(++misses, 'why would', OTHER)));
    if (decision.kind !== 'pass' || decision.cacheStatus !== 'miss') throw new Error(`expected a miss, got ${decision.kind}`);
  }, ops);
}

/** What a semantic miss adds to an exact miss: the same guard path with and without semantic matching. */
async function missRows(s: VectorBenchSettings): Promise<BenchRow[]> {
  const stored = s.sizes[0]!;
  const [off, on] = await Promise.all([missGuard(false, stored), missGuard(true, stored)]);
  // CPU time, paired rounds, the median of each round's difference: other processes' load neither
  // counts nor lands on one side only, and even the tiny smoke settings time a few thousand misses.
  const ops = Math.max(300, s.pgQueries * 2);
  await cpuPerMiss(off, ops);
  await cpuPerMiss(on, ops);
  const rounds = Math.max(3, s.rounds);
  const offNs: number[] = [];
  const onNs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    offNs.push(await cpuPerMiss(off, ops));
    onNs.push(await cpuPerMiss(on, ops));
  }
  await Promise.all([off.guard.close(), on.guard.close()]);
  return [{
    id: 'semantic.miss.added', section: 'Vector index',
    label: `semantic miss on top of an exact miss (guard.handle, offline embedder, ${stored.toLocaleString('en-US')} vectors in the partition; CPU time)`,
    ns: median(onNs.map((x, i) => x - offNs[i]!)), vs: `exact miss ${formatNs(median(offNs))}, with semantic ${formatNs(median(onNs))}`,
  }];
}

export async function runVectorBench(s: VectorBenchSettings, log: (line: string) => void = () => {}): Promise<BenchRow[]> {
  log('vector index: in-process search and memory');
  const rows = await memoryRows(s);
  log('vector index: rotation');
  rows.push(...rotationRows(s));
  log('vector index: semantic miss overhead');
  rows.push(...(await missRows(s)));
  log('vector index: pgvector on PGlite');
  rows.push(...(await pgRows(s)));
  return rows;
}

// `node --conditions=source --import tsx test/bench/vector-index.ts [--quick]` runs this part alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  runVectorBench(VECTOR_BENCH_SETTINGS[mode], (line) => process.stderr.write(`${line}\n`)).then((rows) => {
    for (const row of rows) console.log(`${row.label.padEnd(110)} ${(row.ns !== undefined ? formatNs(row.ns) : row.result ?? '').padStart(10)}  ${row.vs ?? ''}`);
  }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
