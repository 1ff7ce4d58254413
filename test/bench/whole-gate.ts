// `pnpm bench` rows beyond the parts: the whole gate in process, the vector index, the offline embedder and semantic quality.
import { measureGate } from './gate.js';
import { runVectorBench, VECTOR_BENCH_SETTINGS } from './vector-index.js';
import { evaluate, loadBenchmark, methods } from './semantic-quality.js';
import { benchOfflineEmbedder } from '../../packages/core/src/semantic/embedders/offline.bench.js';
import { OFFLINE_DEFAULT_THRESHOLD } from '@vectorcache/core';
import type { BenchRow } from './timing.js';

/** guard.handle() hit and miss (with sealing), CPU time of the process, median of rounds. */
export async function gateRows(mode: 'full' | 'quick' | 'tiny'): Promise<BenchRow[]> {
  const f = await measureGate(mode === 'full' ? { rounds: 9, ops: 3000 } : mode === 'quick' ? { rounds: 5, ops: 1500 } : { rounds: 1, ops: 50 });
  return [
    { id: 'gate.hit', section: 'Whole gate (in process)', label: 'guard.handle hit: key check, PII scan, cache key, lookup, decrypt, binding check (memory store, no allowlist; CPU time)', ns: f.hitNs },
    { id: 'gate.miss', section: 'Whole gate (in process)', label: 'guard.handle miss + complete: the above, then seal a 1 KB prompt and a 1 KB answer and store (CPU time)', ns: f.missNs },
  ];
}

export async function vectorRows(mode: 'full' | 'quick' | 'tiny', log: (line: string) => void): Promise<BenchRow[]> {
  return runVectorBench(VECTOR_BENCH_SETTINGS[mode], log);
}

/** The offline embedder's cost, and the quality simulation at its default threshold (issue 15's goals). */
export function semanticRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of benchOfflineEmbedder()) {
    const id = `embed.${r.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`;
    rows.push(r.unit === 'µs'
      ? { id, section: 'Semantic', label: `offline embedder: ${r.name}`, ns: r.value * 1000 }
      : { id, section: 'Semantic', label: `offline embedder: ${r.name}`, result: `${r.value.toFixed(1)} ${r.unit}` });
  }
  const groups = loadBenchmark();
  for (const method of methods()) {
    const { atDefault: d, bestUnderGoal: b } = evaluate(method, groups, OFFLINE_DEFAULT_THRESHOLD);
    rows.push({
      id: `semantic.quality.${method.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`,
      section: 'Semantic',
      label: `quality, ${method.name}, threshold ${OFFLINE_DEFAULT_THRESHOLD} (${d.queries} queries, ${d.answerable} answerable)`,
      result: `hits ${(d.hitRate * 100).toFixed(1)}% · false ${(d.falseHitRate * 100).toFixed(2)}%`,
      vs: b ? `best with false hits ≤ 0.5%: ${(b.hitRate * 100).toFixed(1)}% at ${b.threshold.toFixed(2)}` : 'no threshold keeps false hits ≤ 0.5%',
      data: { hitRate: d.hitRate, falseHitRate: d.falseHitRate },
    });
  }
  return rows;
}
