// Before/after of what a semantic miss adds to an exact miss, in one process: this tree's core and another checkout's, rounds interleaved, CPU time.
import { baseCore, numberFlag, sidesInOrder } from './ab-args.js';
import { median } from './timing.js';
import { cpuPerMiss, missGuard, type MissCore } from './vector-index.js';

const base = await baseCore<MissCore>('usage: semantic-ab.ts --base=<path of another checkout, installed> [--rounds=11] [--vectors=1000]');
const rounds = numberFlag('rounds', 11);
const stored = numberFlag('vectors', 1000);
const ops = 1000;
const build = async (core?: MissCore) => ({ off: await missGuard(false, stored, core), on: await missGuard(true, stored, core) });
const sides = { base: await build(base), here: await build() };
for (const side of Object.values(sides)) { await cpuPerMiss(side.off, ops); await cpuPerMiss(side.on, ops); }
const added = { base: [] as number[], here: [] as number[] };
for (let r = 0; r < rounds; r++) {
  for (const name of sidesInOrder(r)) {
    const off = await cpuPerMiss(sides[name].off, ops);
    added[name].push((await cpuPerMiss(sides[name].on, ops)) - off);
  }
}
for (const side of Object.values(sides)) await Promise.all([side.off.guard.close(), side.on.guard.close()]);
const [b, h] = [median(added.base), median(added.here)];
const ratios = added.here.map((x, i) => x / added.base[i]!);
console.log(`semantic miss, added to an exact miss (${stored} vectors): base ${(b / 1000).toFixed(1)} µs  here ${(h / 1000).toFixed(1)} µs  here/base ${(h / b).toFixed(3)} (median per-round ratio ${median(ratios).toFixed(3)})`);
