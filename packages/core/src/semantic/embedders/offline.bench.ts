// Micro-benchmark (not a test): offline embedder load time, memory, µs per embedding and per guard signature by prompt size.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { semanticSignature } from '../guards.js';
import { DEFAULT_OFFLINE_PARAMS, createOfflineEmbedder } from './offline.js';
import { defaultTablePath, loadWordTable } from './table.js';

// Run: `node --conditions=source --import tsx packages/core/src/semantic/embedders/offline.bench.ts`
export interface EmbedBenchRow {
  name: string;
  value: number;
  unit: string;
}

const SAMPLE =
  'I am planning a two week trip to Portugal in the spring with my family and would like advice on which cities to visit, ' +
  'how to get around by train, what food we should try, and how much money we should budget for hotels and restaurants. ';

export function promptOf(bytes: number): string {
  return SAMPLE.repeat(Math.ceil(bytes / SAMPLE.length)).slice(0, bytes);
}

/** Median microseconds of `fn` over short rounds. */
function medianUs(fn: () => void, rounds = 15, ms = 40): number {
  for (let i = 0; i < 3000; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      for (let i = 0; i < 20; i++) fn();
      ops += 20;
    }
    samples.push(((performance.now() - start) * 1000) / ops);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
}

export function benchOfflineEmbedder(): EmbedBenchRow[] {
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  const table = loadWordTable(defaultTablePath());
  const loadMs = performance.now() - t0;
  const embedder = createOfflineEmbedder(table, DEFAULT_OFFLINE_PARAMS);
  const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const rows: EmbedBenchRow[] = [
    { name: 'table load (first call, read + checksum + decode)', value: loadMs, unit: 'ms' },
    { name: 'table file size', value: table.bytes / 1_048_576, unit: 'MiB' },
    { name: 'memory held after load (heap + array buffers)', value: Math.max(0, heapAfter - heapBefore) / 1_048_576, unit: 'MiB' },
  ];
  for (const bytes of [100, 1024, 4096]) {
    const text = promptOf(bytes);
    rows.push({ name: `embed ${bytes} B prompt`, value: medianUs(() => embedder.embed([text])), unit: 'µs' });
  }
  for (const bytes of [100, 1024]) {
    const text = promptOf(bytes);
    rows.push({ name: `semanticSignature ${bytes} B prompt`, value: medianUs(() => semanticSignature(text)), unit: 'µs' });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`node ${process.version}`);
  for (const row of benchOfflineEmbedder()) console.log(`${row.name.padEnd(52)} ${row.value.toFixed(1).padStart(8)} ${row.unit}`);
}
