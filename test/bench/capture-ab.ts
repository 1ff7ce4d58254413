// Before/after of the `stream.capture` row in one process: this tree's core and another checkout's, runs alternated.
import * as here from '@vectorcache/core';
import { baseCore, numberFlag, sidesInOrder } from './ab-args.js';
import { IN_PROCESS_SETTINGS } from './inprocess.js';
import { captureRows, type StreamCore } from './streaming.js';
import { median } from './timing.js';

const base = await baseCore<StreamCore>('usage: capture-ab.ts --base=<path of another checkout, installed> [--runs=N]');
const runs = numberFlag('runs', 6);
const sides = { base, here } as const;
type Figures = { overhead: number[]; reassembly: number[]; addedUs: number[]; storeFloor: number[] };
const figures: Record<keyof typeof sides, Figures> = { base: { overhead: [], reassembly: [], addedUs: [], storeFloor: [] }, here: { overhead: [], reassembly: [], addedUs: [], storeFloor: [] } };
for (let r = 0; r < runs; r++) {
  for (const name of sidesInOrder(r)) {
    const [row] = await captureRows(IN_PROCESS_SETTINGS.full, sides[name]);
    const { overhead, reassembly, storeFloor } = row!.data as { overhead: number; reassembly: number; storeFloor: number };
    const captured = row!.ns!;
    figures[name].overhead.push(overhead);
    figures[name].reassembly.push(reassembly);
    figures[name].storeFloor.push(storeFloor);
    figures[name].addedUs.push((captured - captured / (1 + overhead)) / 1000);
  }
}
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
for (const name of ['base', 'here'] as const) {
  const f = figures[name];
  const store = f.overhead.map((o, i) => o - f.reassembly[i]!);
  console.log(`${name.padEnd(4)} capture ${pct(median(f.overhead))} over the uncaptured miss (${median(f.addedUs).toFixed(0)} µs): reassembly ${pct(median(f.reassembly))}, store ${pct(median(store))} (its floor ${pct(median(f.storeFloor))})`);
}
const ratios = figures.here.addedUs.map((h, i) => h / figures.base.addedUs[i]!);
console.log(`capture's added CPU, here/base: ${median(ratios).toFixed(3)} (median of ${runs} paired runs)`);
