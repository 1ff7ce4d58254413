// Before/after of the exact search's WebAssembly pre-filter in one process: this tree's scan and another checkout's, same vectors, rounds interleaved.
import { createSimdScan } from '../../packages/core/src/semantic/index/simd.js';
import { baseCore, numberFlag } from './ab-args.js';
import { measure } from './timing.js';

type Scan = { createSimdScan: typeof createSimdScan };
const base = await baseCore<Scan>('usage: simd-ab.ts --base=<path of another checkout, installed> [--rounds=9] [--vectors=1000]', 'packages/core/src/semantic/index/simd.ts');
const rounds = numberFlag('rounds', 9);
const count = numberFlag('vectors', 1000);
let seed = 7;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;

// The offline embedder's 356-d vectors are dense once rotated; a sparse query is what an unrotated lexical part gives.
for (const [d, sparse] of [[100, false], [356, false], [356, true], [1536, false]] as const) {
  const sides = { here: createSimdScan(d, count), base: base.createSimdScan(d, count) };
  if (!sides.here || !sides.base) throw new Error('simd-ab: no WebAssembly SIMD here');
  for (let i = 0; i < count * d; i++) sides.here.vectors[i] = sides.base.vectors[i] = random();
  const query = Float32Array.from({ length: d }, (_, i) => (sparse && i % 3 ? 0 : random()));
  const here = sides.here.scan(query, count).slice(0, count);
  const before = sides.base.scan(query, count).slice(0, count);
  const identical = here.every((s, i) => Object.is(s, before[i]));
  // timing.ts's interleaved rounds, median round: a burst of load spoils one round of both sides.
  const spent = measure([{ id: 'here', fn: () => sides.here!.scan(query, count) }, { id: 'base', fn: () => sides.base!.scan(query, count) }], rounds, 30);
  const [h, b] = [spent.get('here')!, spent.get('base')!];
  console.log(`${count} × ${d}${sparse ? ' (sparse query)' : ''}: base ${(b / 1000).toFixed(1)} µs  here ${(h / 1000).toFixed(1)} µs  here/base ${(h / b).toFixed(2)}  scores identical: ${identical}`);
}
