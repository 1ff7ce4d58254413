// `pnpm bench` rows beyond the parts: the whole gate in process, the vector index, the offline embedder and semantic quality.
import { OFFLINE_DEFAULT_THRESHOLD } from '@vectorcache/core';
import { measureGate } from './gate.js';
import { ISSUE_FLOOR_HIT_NS, measureFloor, type FloorFigures } from './gate-floor.js';
import { runVectorBench, VECTOR_BENCH_SETTINGS } from './vector-index.js';
import { evaluate, loadBenchmark, methods } from './semantic-quality.js';
import { benchOfflineEmbedder } from '../../packages/core/src/semantic/embedders/offline.bench.js';
import { median, type BenchRow } from './timing.js';

/**
 * guard.handle() hit and miss (with sealing) and the floor, CPU time of the process, in interleaved
 * rounds: this VM's speed drifts within minutes, and a floor timed apart from the gate would scale it wrongly.
 */
export async function gateRows(mode: 'full' | 'quick' | 'tiny'): Promise<BenchRow[]> {
  const { rounds, ops, floorMs } = mode === 'full' ? { rounds: 9, ops: 3000, floorMs: 40 } : mode === 'quick' ? { rounds: 5, ops: 1500, floorMs: 30 } : { rounds: 1, ops: 50, floorMs: 5 };
  const floors: FloorFigures[] = [];
  const { hits, misses } = await measureGate({ rounds, ops, eachRound: () => floors.push(measureFloor(1, floorMs)) });
  const floorHit = median(floors.map((f) => f.hitNs));
  const floorMiss = median(floors.map((f) => f.missNs));
  // Per-round ratios: each round's gate against the floor timed next to it.
  const hitRatio = median(hits.map((h, i) => h / floors[i]!.hitNs));
  const missRatio = median(misses.map((m, i) => m / floors[i]!.missNs));
  // The issue's goals are µs on its machine, whose floor it measured; scaled by this machine's floor they compare across machines.
  const scale = floorHit / ISSUE_FLOOR_HIT_NS;
  const parts = Object.keys(floors[0]!.parts).map((k) => `${k} ${(median(floors.map((f) => f.parts[k]!)) / 1000).toFixed(1)}`).join(' · ');
  return [
    { id: 'gate.floor.hit', section: 'Whole gate (in process)', label: `floor of a hit on this machine: key hash + HMAC 1 KB + canonical JSON + one-pass scan + AES-CBC/HMAC open of 2 KB (µs: ${parts})`, ns: floorHit, vs: `${scale.toFixed(2)}× the issue's 15.1 µs`, data: { scale } },
    { id: 'gate.floor.miss', section: 'Whole gate (in process)', label: 'floor of a miss on this machine: the hit floor + AES-CBC/HMAC seal of 2 KB + scanning the answer', ns: floorMiss },
    { id: 'gate.hit', section: 'Whole gate (in process)', label: 'guard.handle hit: key check, PII scan, cache key, lookup, decrypt, binding check (memory store, no allowlist, default detector; CPU time)', ns: median(hits), vs: `${hitRatio.toFixed(2)}× the hit floor (per round)`, data: { floorRatio: hitRatio } },
    { id: 'gate.miss', section: 'Whole gate (in process)', label: 'guard.handle miss + complete: the above, then seal a 1 KB prompt and a 1 KB answer and store (CPU time)', ns: median(misses), vs: `${missRatio.toFixed(2)}× the miss floor (per round)`, data: { floorRatio: missRatio } },
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
