// Memory per stored vector of MemoryVectorIndex (HNSW graph included), measured in a child run with --expose-gc so nothing else the bench did counts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MemoryVectorIndex } from '@vectorcache/core';
import { runJsonChild } from './child.js';
import { clustered, load } from './vectors.js';

export interface VectorMemory {
  /** The larger of the two per-vector deltas below: each alone can fall short. */
  bytesPerVector: number;
  /** RSS delta per vector: sees usearch's native graph, but pages the allocator reuses do not show. */
  rssPerVector: number;
  /** V8-accounted delta per vector (heap, plus external: typed arrays and WebAssembly memory): exact for JS, blind to native allocations. */
  accountedPerVector: number;
  /** Wall-clock ms to load every vector (HNSW inserts included). */
  buildMs: number;
  gcExposed: boolean;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** The measurement itself; meant to run in a fresh process (see vectorMemoryChild). The input vectors exist before the first reading. */
export async function measureVectorMemory(size: number, d: number): Promise<VectorMemory> {
  const vectors = clustered(size, d, d * 7 + size);
  const index = new MemoryVectorIndex({ dimensions: d, maxVectors: size });
  await index.init();
  collect();
  const before = process.memoryUsage();
  const started = performance.now();
  load(index, vectors, 'p');
  const buildMs = performance.now() - started;
  collect();
  const after = process.memoryUsage();
  // Read after the second reading: the inputs stay alive until then, so only the index's copies count.
  if (index.stats().vectors !== vectors.length) throw new Error(`vector memory bench: the index kept ${index.stats().vectors} of ${vectors.length}`);
  index.shutdown();
  const rssPerVector = (after.rss - before.rss) / size;
  const accountedPerVector = (after.heapUsed + after.external - before.heapUsed - before.external) / size;
  return { bytesPerVector: Math.max(rssPerVector, accountedPerVector), rssPerVector, accountedPerVector, buildMs, gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function' };
}

/**
 * Runs measureVectorMemory in `node --expose-gc`, so the RSS delta is the index's alone; the median
 * of `runs` children, since a small index's delta is a few pages and moves with the allocator's.
 */
export async function vectorMemoryChild(size: number, d: number, runs = 1): Promise<VectorMemory> {
  const results: VectorMemory[] = [];
  for (let r = 0; r < runs; r++) results.push(await runJsonChild<VectorMemory>(fileURLToPath(import.meta.url), [String(size), String(d)], 'vector memory bench'));
  results.sort((a, b) => a.bytesPerVector - b.bytesPerVector);
  return results[results.length >> 1]!;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await measureVectorMemory(Number(process.argv[2]), Number(process.argv[3])))}\n`);
}
