// Semantic-cache quality on the project's labelled benchmark: hit rate on answerable queries and false hits, per embedder.
import { fileURLToPath } from 'node:url';
import {
  createOfflineEmbedder, DEFAULT_OFFLINE_PARAMS, loadWordTable, OFFLINE_DEFAULT_THRESHOLD, type OfflineParams,
} from '../../packages/core/src/semantic/embedders/index.js';
import { semanticSignature, signatureKey, type SemanticGuardOptions } from '../../packages/core/src/semantic/guards.js';
import { buildGroups, type BenchGroup } from '../fixtures/semantic/generate.js';

// Run: `node --conditions=source --import tsx test/bench/semantic-quality.ts [--sweep]`
export const GOALS = { maxFalseHitRate: 0.005, minHitRate: 0.4 };

interface Query { text: string; partition: string; expected: string | undefined }
interface Entry { group: string; partition: string }

export interface Method {
  name: string;
  /** Unit vectors, or undefined for exact matching on the text itself. */
  embed?: (texts: string[]) => Float32Array[];
  guards: SemanticGuardOptions | false;
}

export interface QualityRow {
  method: string;
  threshold: number;
  queries: number;
  answerable: number;
  hits: number;
  falseHits: number;
  hitRate: number;
  falseHitRate: number;
}

/** The labelled benchmark, built from its hand-written sources each time (nothing generated is kept in the tree). */
export function loadBenchmark(): BenchGroup[] {
  return buildGroups();
}

/** Loaded groups' questions are cached; every other text of the benchmark is asked once. */
export function cacheAndQueries(groups: BenchGroup[]): { entries: Array<Entry & { text: string }>; queries: Query[] } {
  const entries = groups.filter((g) => g.split === 'loaded').map((g) => ({ group: g.id, partition: g.system ?? '', text: g.text }));
  const queries: Query[] = [];
  for (const g of groups) {
    const answer = g.split === 'loaded' ? g.id : undefined;
    if (g.split === 'held-out') queries.push({ text: g.text, partition: g.system ?? '', expected: undefined });
    for (const p of g.paraphrases) queries.push({ text: p, partition: g.system ?? '', expected: answer });
    for (const n of g.negatives) queries.push({ text: n.text, partition: n.system ?? '', expected: undefined });
  }
  return { entries, queries };
}

/** Best candidate of each query in its partition (guards folded into the partition, as the integration does). */
function bestMatches(method: Method, groups: BenchGroup[]): { queries: Query[]; best: Array<{ group: string; sim: number } | undefined> } {
  const { entries, queries } = cacheAndQueries(groups);
  const part = (text: string, partition: string) =>
    method.guards === false ? partition : `${partition}\u0000${signatureKey(semanticSignature(text, method.guards))}`;
  const entryParts = entries.map((e) => part(e.text, e.partition));
  const best = queries.map(() => undefined as { group: string; sim: number } | undefined);
  if (!method.embed) {
    queries.forEach((q, i) => {
      const at = entries.findIndex((e, j) => e.text === q.text && entryParts[j] === part(q.text, q.partition));
      if (at >= 0) best[i] = { group: (entries[at] as Entry).group, sim: 1 };
    });
    return { queries, best };
  }
  const ev = method.embed(entries.map((e) => e.text));
  const qv = method.embed(queries.map((q) => q.text));
  queries.forEach((q, i) => {
    const p = part(q.text, q.partition);
    const v = qv[i] as Float32Array;
    entries.forEach((e, j) => {
      if (entryParts[j] !== p) return;
      const sim = dot(v, ev[j] as Float32Array);
      if (!best[i] || sim > (best[i] as { sim: number }).sim) best[i] = { group: e.group, sim };
    });
  });
  return { queries, best };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += (a[d] as number) * (b[d] as number);
  return s;
}

function score(name: string, threshold: number, queries: Query[], best: Array<{ group: string; sim: number } | undefined>): QualityRow {
  let hits = 0;
  let falseHits = 0;
  const answerable = queries.filter((q) => q.expected !== undefined).length;
  queries.forEach((q, i) => {
    const b = best[i];
    if (!b || b.sim < threshold) return;
    if (b.group === q.expected) hits++;
    else falseHits++;
  });
  return { method: name, threshold, queries: queries.length, answerable, hits, falseHits, hitRate: hits / answerable, falseHitRate: falseHits / queries.length };
}

/** The row at `threshold`, and the best row whose false-hit rate meets the goal (thresholds 0.50..0.99). */
export function evaluate(method: Method, groups: BenchGroup[], threshold: number): { atDefault: QualityRow; bestUnderGoal: QualityRow | undefined; curve: QualityRow[] } {
  const { queries, best } = bestMatches(method, groups);
  const curve = Array.from({ length: 50 }, (_, i) => score(method.name, 0.5 + i * 0.01, queries, best));
  const ok = curve.filter((r) => r.falseHitRate <= GOALS.maxFalseHitRate);
  const bestUnderGoal = ok.sort((a, b) => b.hitRate - a.hitRate || a.threshold - b.threshold)[0];
  return { atDefault: score(method.name, threshold, queries, best), bestUnderGoal, curve };
}

const variant = (params: Partial<OfflineParams>) => {
  const embedder = createOfflineEmbedder(loadWordTable(), { ...DEFAULT_OFFLINE_PARAMS, ...params });
  return (texts: string[]) => embedder.embed(texts) as Float32Array[];
};

/** The baselines and the default embedder, side by side; guards on for all but the last row. */
export function methods(): Method[] {
  return [
    { name: 'exact match', guards: {} },
    // Conventional baselines: IDF from the word's corpus rank, every adjacent bigram, no stop-word list.
    { name: 'TF-IDF lexical (uni+bigrams)', embed: variant({ semanticShare: 0, stopWeight: -1, contentMin: 0, lexicalDims: 4096 }), guards: {} },
    { name: 'GloVe-SIF alone', embed: variant({ semanticShare: 1, stopWeight: -1 }), guards: {} },
    { name: 'vectorcache-offline (default)', embed: variant({}), guards: {} },
    { name: 'vectorcache-offline, guards off', embed: variant({}), guards: false },
  ];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderQuality(rows: Array<{ atDefault: QualityRow; bestUnderGoal: QualityRow | undefined }>, threshold: number): string {
  const lines = [
    `threshold ${threshold} (default of vectorcache-offline) | best threshold with false hits ≤ ${pct(GOALS.maxFalseHitRate)}`,
    'method                          | hit rate  false hits (n)      | thr   hit rate  false hits',
  ];
  for (const { atDefault: d, bestUnderGoal: b } of rows) {
    const right = b ? `${b.threshold.toFixed(2)}  ${pct(b.hitRate).padStart(6)}    ${pct(b.falseHitRate)}` : 'none meets the goal';
    lines.push(`${d.method.padEnd(31)} | ${pct(d.hitRate).padStart(6)}    ${pct(d.falseHitRate).padStart(5)} (${String(d.falseHits).padStart(3)})       | ${right}`);
  }
  const first = rows[0]?.atDefault;
  if (first) lines.push(`${first.queries} queries, ${first.answerable} answerable (paraphrases of cached questions)`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const groups = loadBenchmark();
  const rows = methods().map((m) => evaluate(m, groups, OFFLINE_DEFAULT_THRESHOLD));
  console.log(renderQuality(rows, OFFLINE_DEFAULT_THRESHOLD));
  if (process.argv.includes('--sweep')) {
    for (const r of rows) console.log(r.curve.filter((_, i) => i % 2 === 0).map((c) => `${r.atDefault.method.slice(0, 12)} ${c.threshold.toFixed(2)} hit ${pct(c.hitRate)} fh ${pct(c.falseHitRate)}`).join('\n'));
  }
}
