// Before/after of the exact search's WebAssembly pre-filter in one process: this tree's scan and another checkout's, same vectors, rounds interleaved.
import { createSimdScan, scanErrorBound } from '../../packages/core/src/semantic/index/simd.js';
import { baseCore, numberFlag } from './ab-args.js';
import { measure } from './timing.js';
import { rng, unit } from './vectors.js';

/** A scan of either API: int16 copies written per slot (this tree), or float32 vectors set in place (before). */
type AnyScan = { scan(query: Float32Array, size: number): Float32Array; write?(slot: number, vector: Float32Array): void; vectors?: Float32Array };
type Scan = { createSimdScan(dimensions: number, capacity: number): AnyScan | undefined; scanErrorBound(dimensions: number): number };
const base = await baseCore<Scan>('usage: simd-ab.ts --base=<path of another checkout, installed> [--rounds=9] [--vectors=1000]', 'packages/core/src/semantic/index/simd.ts');
const rounds = numberFlag('rounds', 9);
const count = numberFlag('vectors', 1000);
const random = rng(7);

// The offline embedder's 356-d vectors are dense once rotated; a sparse query is what an unrotated lexical part gives.
for (const [d, sparse] of [[100, false], [356, false], [356, true], [1536, false]] as const) {
  const sides = { here: createSimdScan(d, count), base: base.createSimdScan(d, count) };
  if (!sides.here || !sides.base) throw new Error('simd-ab: no WebAssembly SIMD here');
  const vectors = Array.from({ length: count }, () => unit(Float32Array.from({ length: d }, random)));
  for (const [slot, v] of vectors.entries()) for (const side of [sides.here, sides.base] as AnyScan[]) side.write ? side.write(slot, v) : side.vectors!.set(v, slot * d);
  // Sparse: two runs of 8 in every 24 are zero, so whole chunks of either kernel (4 floats, 8 int16s) are skipped.
  const query = unit(Float32Array.from({ length: d }, (_, i) => (sparse && (i >> 3) % 3 !== 0 ? 0 : random())));
  const worst = { here: 0, base: 0 };
  for (const [side, scan] of Object.entries(sides) as Array<['here' | 'base', AnyScan]>) {
    const scores = scan.scan(query, count);
    for (const [slot, v] of vectors.entries()) worst[side] = Math.max(worst[side], Math.abs(scores[slot]! - v.reduce((sum, x, i) => sum + x * query[i]!, 0)));
  }
  // timing.ts's interleaved rounds, median round: a burst of load spoils one round of both sides.
  const spent = measure([{ id: 'here', fn: () => sides.here!.scan(query, count) }, { id: 'base', fn: () => sides.base!.scan(query, count) }], rounds, 30);
  const [h, b] = [spent.get('here')!, spent.get('base')!];
  const within = worst.here <= scanErrorBound(d) && worst.base <= base.scanErrorBound(d);
  console.log(`${count} × ${d}${sparse ? ' (sparse query)' : ''}: base ${(b / 1000).toFixed(1)} µs  here ${(h / 1000).toFixed(1)} µs  here/base ${(h / b).toFixed(2)}  worst error here ${worst.here.toExponential(1)} · base ${worst.base.toExponential(1)}${within ? ', each within its bound' : ' — OUTSIDE A BOUND'}`);
  if (!within) process.exitCode = 1;
}
