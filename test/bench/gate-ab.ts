// Before/after of the whole in-process gate in one process: this tree's core and another tree's, rounds interleaved.
import * as here from '@vectorcache/core';
import { baseCore, numberFlag, sidesInOrder } from './ab-args.js';
import { cpuPerOp, gateOps, type Core } from './gate.js';
import { median } from './timing.js';

const base = await baseCore<Core>('usage: gate-ab.ts --base=<path of another checkout, installed> [--rounds=N]');
const rounds = numberFlag('rounds', 11);
const sides = { base: await gateOps(base), here: await gateOps(here) };
const figures = { base: { hit: [] as number[], miss: [] as number[] }, here: { hit: [] as number[], miss: [] as number[] } };
const ops = 1500;
for (const side of Object.values(sides)) { await cpuPerOp(side.hit, ops); await cpuPerOp(side.miss, ops); }
for (let r = 0; r < rounds; r++) {
  for (const name of sidesInOrder(r)) {
    figures[name].hit.push(await cpuPerOp(sides[name].hit, ops));
    figures[name].miss.push(await cpuPerOp(sides[name].miss, ops));
  }
}
for (const side of Object.values(sides)) await side.close();
const us = (ns: number) => (ns / 1000).toFixed(1);
for (const kind of ['hit', 'miss'] as const) {
  const b = median(figures.base[kind]);
  const h = median(figures.here[kind]);
  const ratios = figures.here[kind].map((x, i) => x / figures.base[kind][i]!);
  console.log(`${kind.padEnd(4)} base ${us(b)} µs  here ${us(h)} µs  here/base ${(h / b).toFixed(3)} (median per-round ratio ${median(ratios).toFixed(3)})`);
}
