// Turns measured rows into the one printed table, the issue-9 goals (met or missed, with the figure) and results.json.
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { HttpRow } from './http.js';
import { formatNs, type BenchRow } from './timing.js';

export interface Goal {
  goal: string;
  /** null: not measured in this run (section skipped, or reduced sizes). */
  met: boolean | null;
  figure: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export interface Results {
  date: string;
  node: string;
  machine: Machine;
  mode: string;
  settings: unknown;
  durationS?: number;
  http: HttpRow[];
  inProcess: BenchRow[];
  goals: Goal[];
}

export function machine(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const pct = (r: number) => `${(r * 100).toFixed(0)}%`;
const us = (x: number) => `${x.toFixed(1)} µs`;

/** The goals of issue 9, each checked against this run's rows. */
export function evaluateGoals(http: HttpRow[], rows: BenchRow[]): Goal[] {
  const h = (framework: string, c: string) => http.find((r) => r.framework === framework && r.case === c);
  const r = (id: string) => rows.find((row) => row.id === id);
  const goals: Goal[] = [];
  const add = (goal: string, met: boolean | null, figure: string) => goals.push({ goal, met, figure });
  const all = (xs: boolean[]) => (xs.length === 0 ? null : xs.every(Boolean));

  const misses = http.filter((row) => row.case === 'miss' && row.addedUs !== undefined);
  add('miss path (key + 100k allowlist + PII + cache write) adds ≤ 15 µs per request', all(misses.map((m) => m.addedUs! <= 15)),
    misses.map((m) => `${m.framework} ${us(m.addedUs!)}`).join(' · ') || 'not measured');
  const expressMiss = h('express', 'miss');
  const peer = h('express', 'peer10');
  if (expressMiss?.addedUs !== undefined && peer?.addedUs !== undefined) {
    const factor = peer.addedUs / Math.max(expressMiss.addedUs, 0.001);
    add("≥ 25× less added cost than the peer stack (Express, 10 ranges)", expressMiss.addedUs > 0 ? factor >= 25 : true,
      `peer adds ${us(peer.addedUs)}, guard ${us(expressMiss.addedUs)}: ${expressMiss.addedUs > 0 ? `${factor.toFixed(1)}×` : 'guard adds nothing measurable'}`);
  } else add('≥ 25× less added cost than the peer stack (Express, 10 ranges)', null, 'not measured');
  ratioGoal(h, add, 'express', 'miss', 0.85);
  ratioGoal(h, add, 'fastify', 'miss', 0.6);
  const hits = http.filter((row) => row.case === 'hit' && row.ratioToBare !== undefined);
  add('hit path ≥ 70% of bare req/s', all(hits.map((x) => x.ratioToBare! >= 0.7)), hits.map((x) => `${x.framework} ${pct(x.ratioToBare!)}`).join(' · ') || 'not measured');
  httpRatioGoals(h, add);

  const a10 = r('allowlist.10');
  const a100k = r('allowlist.100k');
  add('allowlist lookup ≤ 0.5 µs at 100,000 ranges (parse included)', a100k ? a100k.ns! <= 500 : null, a100k ? formatNs(a100k.ns!) : 'not measured');
  add('allowlist at 100k ranges within 1.5× of its time at 10', a10 && a100k ? a100k.ns! <= 1.5 * a10.ns! : null,
    a10 && a100k ? `${(a100k.ns! / a10.ns!).toFixed(2)}× (${formatNs(a10.ns!)} → ${formatNs(a100k.ns!)})` : 'not measured');

  const block = r('allowlist.block.async');
  add('setIpAllowlist of 100,000 ranges never blocks the event loop > 20 ms (sliced compile)', block ? block.ns! <= 20e6 : null,
    block ? `longest block ${formatNs(block.ns!)} (sync compile: ${formatNs(r('allowlist.block.sync')?.ns ?? Number.NaN)})` : 'not measured');

  const p1 = r('pii.1kb.vectorcache');
  const rp1 = r('pii.1kb.redact-pii');
  add('PII ≤ 5 µs per clean 1 KB prompt', p1 ? p1.ns! <= 5000 : null, p1 ? `${formatNs(p1.ns!)}${atIssueFloor(r, p1.ns!)}` : 'not measured');
  add('PII ≥ 20× faster than redact-pii (1 KB)', p1 && rp1 ? rp1.ns! / p1.ns! >= 20 : null, p1 && rp1 ? `${(rp1.ns! / p1.ns!).toFixed(1)}×` : 'not measured');
  const hostile = rows.filter((row) => /^pii\.hostile\.\d+$/.test(row.id));
  if (hostile.length > 0) {
    const worst = hostile.reduce((a, b) => ((b.data!.ms100KB as number) > (a.data!.ms100KB as number) ? b : a));
    add('every hostile 100 KB input ≤ 5 ms', hostile.every((x) => (x.data!.ms100KB as number) <= 5),
      `worst ${(worst.data!.ms100KB as number).toFixed(2)} ms (${worst.data!.input as string})`);
    const growths = hostile.map((x) => x.data!.growth as number);
    const outside = hostile.filter((x) => Math.abs((x.data!.growth as number) - 100) > 30).map((x) => x.data!.input as string);
    add('hostile 10 KB → 1 MB time grows linearly (100× ± 30%)', outside.length === 0,
      `${Math.min(...growths).toFixed(0)}×–${Math.max(...growths).toFixed(0)}×${outside.length ? `; outside: ${outside.join(' ')}` : ''}`);
  } else {
    add('every hostile 100 KB input ≤ 5 ms', null, 'not measured');
    add('hostile 10 KB → 1 MB time grows linearly (100× ± 30%)', null, 'not measured');
  }

  const fernet = ['1kb', '64kb'].map((n) => ({ n, ours: r(`fernet.${n}.vectorcache`), text: r(`fernet.${n}.vectorcache-text`), bare: r(`fernet.${n}.bare`), npm: r(`fernet.${n}.npm`) }));
  const fm = fernet.filter((f) => f.ours && f.bare && f.text && f.npm);
  add('Fernet within 1.3× of the bare node:crypto baseline', fm.length ? fm.every((f) => f.ours!.ns! <= 1.3 * f.bare!.ns!) : null,
    fm.map((f) => `${f.n} ${(f.ours!.ns! / f.bare!.ns!).toFixed(2)}×`).join(' · ') || 'not measured');
  add('Fernet ≥ 10× faster than npm fernet', fm.length ? fm.every((f) => f.npm!.ns! >= 10 * f.text!.ns!) : null,
    fm.map((f) => `${f.n} ${(f.npm!.ns! / f.text!.ns!).toFixed(0)}×`).join(' · ') || 'not measured');

  const mem = r('memory.rss');
  const churn = r('memory.churn');
  const memData = mem?.data as { entries: number; rssAfterMB: number; rssDeltaMB: number } | undefined;
  add('100,000 cached 1 KB entries ≤ 300 MB RSS (whole process)', memData ? (memData.entries >= 100_000 ? memData.rssAfterMB <= 300 : null) : null,
    memData ? `${memData.rssAfterMB.toFixed(0)} MB (Δ ${memData.rssDeltaMB.toFixed(0)} MB) for ${memData.entries.toLocaleString('en-US')} entries` : 'not measured');
  add('byte bound holds under churn (2× maxBytes inserted)', churn ? churn.result === 'holds' : null, churn ? `${churn.result}: ${churn.vs}` : 'not measured');
  streamingGoals(r, add);
  wholeGateGoals(r, add);
  return goals;
}

/** Issue 17's HTTP ratios beyond issue 9's: Express hit, Koa, the hit path on Koa and Fastify, and the miss against the peer stack. */
type Add = (goal: string, met: boolean | null, figure: string) => void;

/** A guarded case's req/s as a share of its framework's bare route, against `floor`. */
function ratioGoal(h: (framework: string, c: string) => HttpRow | undefined, add: Add, framework: string, c: string, floor: number): void {
  const row = h(framework, c);
  add(`guarded ${framework} ${c} path ≥ ${pct(floor)} of bare req/s`, row?.ratioToBare === undefined ? null : row.ratioToBare >= floor,
    row?.ratioToBare === undefined ? 'not measured' : `${pct(row.ratioToBare)} (${Math.round(row.rps)} vs ${Math.round(h(framework, 'bare')!.rps)} req/s)`);
}

/** How much slower this run's machine is than the issue's, by the measured floor (undefined without a floor row). */
function floorScale(r: (id: string) => BenchRow | undefined): number | undefined {
  return (r('gate.floor.hit')?.data as { scale?: number } | undefined)?.scale;
}

/** What a µs figure comes to at the issue's machine speed (this run's floor ÷ the issue's), or nothing without a floor row. */
function atIssueFloor(r: (id: string) => BenchRow | undefined, ns: number): string {
  const scale = floorScale(r);
  return scale === undefined ? '' : ` (≈ ${formatNs(ns / scale)} at the issue's floor)`;
}

function httpRatioGoals(h: (framework: string, c: string) => HttpRow | undefined, add: Add): void {
  ratioGoal(h, add, 'express', 'hit', 0.9);
  ratioGoal(h, add, 'koa', 'miss', 0.6);
  ratioGoal(h, add, 'koa', 'hit', 0.75);
  ratioGoal(h, add, 'fastify', 'hit', 0.75);
  const miss = h('express', 'miss');
  const peer = h('express', 'peer10');
  add('guarded express miss path ≥ 5× the peer stack\'s req/s (10 ranges)', miss && peer ? miss.rps >= 5 * peer.rps : null,
    miss && peer ? `${(miss.rps / peer.rps).toFixed(2)}× (${Math.round(miss.rps)} vs ${Math.round(peer.rps)} req/s)` : 'not measured');
}

/** Issue 14's figures: streamed hit first byte and whole 4 KB body, capture overhead, coalesced followers. */
function streamingGoals(r: (id: string) => BenchRow | undefined, add: Add): void {
  const json = r('stream.hit.json');
  const sse = r('stream.hit.sse');
  add('streamed hit: first byte ≤ 1 ms after the request is read (in-process)', sse ? sse.ns! <= 1e6 : null, sse ? formatNs(sse.ns!) : 'not measured');
  add('whole 4 KB streamed hit within 1.2× of a JSON hit', json && sse ? sse.ns! <= 1.2 * json.ns! : null,
    json && sse ? `${(sse.ns! / json.ns!).toFixed(2)}× (${formatNs(json.ns!)} → ${formatNs(sse.ns!)})` : 'not measured');
  const capture = r('stream.capture');
  const overhead = capture?.data?.overhead as number | undefined;
  const storeFloor = capture?.data?.storeFloor as number | undefined;
  const floorNote = storeFloor === undefined ? '' : ` (the store's floor alone: ${(storeFloor * 100).toFixed(1)}%)`;
  add('capture adds ≤ 10% CPU to a streamed miss', overhead === undefined ? null : overhead <= 0.1, overhead === undefined ? 'not measured' : `${(overhead * 100).toFixed(1)}%${floorNote}`);
  const coalesce = r('stream.coalesce');
  const ratio = coalesce?.data?.ratio as number | undefined;
  add('20 coalesced followers cost ≤ 2× one hit each', ratio === undefined ? null : ratio <= 2, ratio === undefined ? 'not measured' : `${ratio.toFixed(2)}×`);
}

// ------------------------------------------------------------------ table

const COLUMNS = ['case', 'req/s', 'p50 ms', 'p99 ms', 'time/op', 'added µs', 'compared with / check'] as const;

/** The one table: HTTP rows, in-process rows, then the goals, with a header line per section. */
export function renderTable(results: Results): string {
  const lines: Array<string[] | string> = [];
  let section = '';
  for (const row of results.http) {
    const name = `HTTP ${row.framework}`;
    if (name !== section) lines.push(`── ${(section = name)} · POST 1 KB chat JSON · ${(results.settings as { http?: { connections?: number } }).http?.connections ?? 10} connections ──`);
    const vs = row.case === 'bare' ? row.check ?? '' : `${pct(row.ratioToBare!)} of bare req/s${row.check ? ` · ${row.check}` : ''}`;
    lines.push([row.label, Math.round(row.rps).toLocaleString('en-US'), row.p50Ms.toFixed(2), row.p99Ms.toFixed(2), '', row.addedUs === undefined ? '' : row.addedUs.toFixed(1), vs]);
  }
  for (const row of results.inProcess) {
    if (row.section !== section) lines.push(`── ${(section = row.section)} ──`);
    lines.push([row.label, '', '', '', row.ns !== undefined ? formatNs(row.ns) : row.result ?? '', '', row.vs ?? '']);
  }
  lines.push('── goals (issues 9 and 14) ──');
  for (const g of results.goals) lines.push([`${g.met === null ? 'n/a   ' : g.met ? 'met   ' : 'MISSED'} ${g.goal}`, '', '', '', '', '', g.figure]);

  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...lines.filter((l): l is string[] => Array.isArray(l)).map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(i === cells.length - 1 ? 0 : widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [fmt(COLUMNS), ...lines.map((l) => (typeof l === 'string' ? l : fmt(l)))];
  const m = results.machine;
  const head = [
    `Vectorcache Guard benchmark (${results.mode}) · ${results.date} · Node ${results.node}`,
    `${m.cpu} · ${m.cores} cores · ${m.memoryGB} GB · ${m.os} · load average ${m.loadAverageAtStart.join(' ')} at start${m.loadAverageAtEnd ? `, ${m.loadAverageAtEnd.join(' ')} at end` : ''}`,
    'added µs = 1e6 × (1/req/s − 1/req/s of bare), median over rounds: server time each request costs on top of the bare route',
    '',
  ];
  return [...head, ...out].join('\n');
}

/** Issue 17's in-process floor and issue 15's semantic figures. */
function wholeGateGoals(r: (id: string) => BenchRow | undefined, add: Add): void {
  const ns = (id: string) => r(id)?.ns;
  // Judged on the figure as measured; the figure at the issue's machine speed is only shown beside it.
  const check = (goal: string, id: string, maxNs: number) => {
    const v = ns(id);
    add(goal, v === undefined ? null : v <= maxNs, v === undefined ? 'not measured' : `${formatNs(v)}${atIssueFloor(r, v)}`);
  };
  check('in process: a hit ≤ 15 µs including decryption', 'gate.hit', 15_000);
  check('in process: a miss ≤ 30 µs including sealing a 1 KB prompt and answer', 'gate.miss', 30_000);
  // The same two goals on this machine: the issue's µs times how much slower this machine's floor is than the issue's.
  const scale = floorScale(r);
  if (scale !== undefined) {
    check(`in process, scaled to this machine's floor (${scale.toFixed(2)}×): a hit ≤ ${(15 * scale).toFixed(1)} µs`, 'gate.hit', 15_000 * scale);
    check(`in process, scaled to this machine's floor (${scale.toFixed(2)}×): a miss ≤ ${(30 * scale).toFixed(1)} µs`, 'gate.miss', 30_000 * scale);
  }
  check('offline embedding ≤ 50 µs for a 1 KB prompt', 'embed.embed-1024-b-prompt', 50_000);
  check('in-process vector search ≤ 20 µs at 1,000 vectors (100-d)', r('vindex.search.1000.100') ? 'vindex.search.1000.100' : 'vindex.search.1000.16', 20_000);
  check('in-process vector search ≤ 200 µs at 100,000 vectors (100-d)', 'vindex.search.100000.100', 200_000);
  check('a semantic miss adds ≤ 100 µs to an exact miss', 'semantic.miss.added', 100_000);
  const q = r('semantic.quality.vectorcache-offline-default')?.data as { hitRate: number; falseHitRate: number } | undefined;
  add('semantic false hits ≤ 0.5% of queries (default embedder, default threshold)', q ? q.falseHitRate <= 0.005 : null, q ? `${(q.falseHitRate * 100).toFixed(2)}%` : 'not measured');
  add('semantic hit rate ≥ 40% of answerable queries', q ? q.hitRate >= 0.4 : null, q ? `${(q.hitRate * 100).toFixed(1)}%` : 'not measured');
}
