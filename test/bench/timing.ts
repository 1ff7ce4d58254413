// Settings and timing helpers of the in-process benchmark: calibrated, interleaved rounds with medians, and number formatting.

/** One line of the in-process table. `ns` is the median time per operation; `result` replaces it for non-time figures. */
export interface BenchRow {
  id: string;
  section: string;
  label: string;
  ns?: number;
  result?: string;
  vs?: string;
  data?: Record<string, unknown>;
}

/** Results land here so the optimiser cannot drop a benchmarked call as dead code. */
let sink: unknown;

/** Keeps `value` reachable (see `sink`). */
export function keep(value: unknown): void {
  sink = value;
}

/** Reads the sink, so the compiler sees it used. */
export function drain(): unknown {
  return sink;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface InProcessSettings {
  /** Interleaved rounds per comparison; the median round counts. */
  rounds: number;
  /** Target length of one round of one case. */
  roundMs: number;
  /** benchAllowlist runs (each measures every size once); medians per size. */
  allowlistRuns: number;
  /** Runs of the 100,000-range sync and sliced compiles whose event-loop blocking is measured; the worst counts. */
  blockRuns: number;
  /** Runs of each hostile input at 1 MB (smaller sizes get `rounds`). */
  hostileRunsAt1MB: number;
  /** Hostile patterns fed to redact-pii at 10 KB (it takes ~0.25 s each). */
  redactHostilePatterns: number;
  cacheEntries: number;
  memoryEntries: number;
  churnMaxBytes: number;
}

/** Wall-clock nanoseconds: what a caller waits. */
export const wallNs = (): number => Number(process.hrtime.bigint());

/**
 * CPU nanoseconds of the whole process (all threads, microsecond resolution): on a machine shared
 * with other work, the time the OS spends running other processes does not count, so synchronous
 * cases compare fairly under load. GC and JIT threads do count.
 */
export const cpuNs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};

export interface Case {
  id: string;
  fn: () => unknown;
}

/** Iterations of `fn` that take about `ms`, estimated after a warm-up. */
function calibrate(fn: () => unknown, ms: number): number {
  const warm = now();
  let n = 0;
  while (n < 1000 && Number(now() - warm) < 20e6) {
    sink = fn();
    n++;
  }
  const est = Number(now() - warm) / n;
  return Math.max(1, Math.round((ms * 1e6) / Math.max(est, 1)));
}

/**
 * Nanoseconds per call of each case: rounds interleave the cases (A B C, A B C, …) and the
 * median round counts, so a burst of load on a shared machine spoils one round of every case
 * rather than every round of one case.
 */
export function measure(cases: Case[], rounds: number, roundMs: number, clock: () => number = wallNs): Map<string, number> {
  const iterations = cases.map((c) => calibrate(c.fn, roundMs));
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const n = iterations[i]!;
      const start = clock();
      for (let k = 0; k < n; k++) sink = c.fn();
      samples[i]!.push((clock() - start) / n);
    });
  }
  return new Map(cases.map((c, i) => [c.id, median(samples[i]!)]));
}

/** Same as measure for async operations (each awaited, as the gate awaits them). */
export async function measureAsync(cases: Array<{ id: string; fn: () => Promise<unknown> }>, rounds: number, roundMs: number): Promise<Map<string, number>> {
  const iterations: number[] = [];
  for (const c of cases) {
    const start = now();
    let n = 0;
    while (n < 1000 && Number(now() - start) < 20e6) {
      sink = await c.fn();
      n++;
    }
    iterations.push(Math.max(1, Math.round((roundMs * 1e6) / Math.max(Number(now() - start) / n, 1))));
  }
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      const n = iterations[i]!;
      const start = now();
      for (let k = 0; k < n; k++) sink = await c.fn();
      samples[i]!.push(Number(now() - start) / n);
    }
  }
  return new Map(cases.map((c, i) => [c.id, median(samples[i]!)]));
}

/**
 * Median single timing of an operation of milliseconds, where a loop adds nothing. Warms up
 * first (a new input shape costs compilation on its first runs), then runs as often as fits in
 * `budgetMs`, at least `minRuns` and at most 200 times.
 */
export function timeRuns(fn: () => unknown, minRuns: number, budgetMs: number): number {
  const warm = now();
  let warmRuns = 0;
  while (warmRuns < 20 && (warmRuns < 2 || Number(now() - warm) < 20e6)) {
    sink = fn();
    warmRuns++;
  }
  const estimate = Number(now() - warm) / warmRuns;
  const runs = Math.max(minRuns, Math.min(200, Math.floor((budgetMs * 1e6) / Math.max(estimate, 1))));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = now();
    sink = fn();
    times.push(Number(now() - start));
  }
  return median(times);
}

export function times(a: number, b: number): string {
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}
