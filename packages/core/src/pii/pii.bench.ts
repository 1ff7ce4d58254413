// Benchmark of the PII scanner against the naive regex set and redact-pii: typical prompts, throughput, hostile growth.
import { pathToFileURL } from 'node:url';
import { compilePii } from './scanner.js';

type Scan = (text: string) => unknown;

const NAIVE: RegExp[] = [
  /\b[\w.-]+@[\w.-]+\.\w+\b/g,
  /\b\d{16}\b/g,
  /(\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}/g,
];

const naiveScan: Scan = (text) => {
  let n = 0;
  for (const re of NAIVE) {
    re.lastIndex = 0;
    while (re.exec(text) !== null) n++;
  }
  return n;
};

const PROMPT_WORDS =
  'Please summarise the following customer conversation and list the action items. The customer ' +
  'reported that the dashboard at version 4.2.1 shows stale numbers since 2024-03-05 09:15, order ' +
  'number 112-3456789-1234567 is delayed, and the invoice total of $1,249.99 seems wrong. They ' +
  'asked whether the API limit of 10000 requests per hour applies per key or per account, and ' +
  'whether the new export (build 20240305.3) supports CSV with UTF-8. ';

/**
 * The string as the guard gets it from JSON.parse: flat. Strings built by `+=`, `slice` or `repeat`
 * are rope or slice objects that V8 flattens on first access, which would time V8, not the scanner.
 */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** A clean, realistic chat prompt of about `size` characters. */
export function typicalPrompt(size: number): string {
  let s = '';
  while (s.length < size) s += PROMPT_WORDS;
  return flat(s.slice(0, size));
}

/** Prompt text with some PII sprinkled in (one item every ~2 KB). */
function mixedText(size: number): string {
  const pii = ['jane.doe@example.com', '+44 20 7946 0958', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', 'SSN 536-22-1234'];
  let s = '';
  let k = 0;
  while (s.length < size) {
    s += typicalPrompt(2000) + ' ' + pii[k++ % pii.length] + ' ';
  }
  return flat(s.slice(0, size));
}

export const HOSTILE_PATTERNS: Array<[string, (size: number) => string]> = (
  [
    ["'a.'*", (n) => 'a.'.repeat(n / 2)],
    ["'a@'+'a-'*", (n) => 'a@' + 'a-'.repeat(n / 2)],
    ["'-a'*+'@'", (n) => '-a'.repeat(n / 2) + '@'],
    ["'1'*", (n) => '1'.repeat(n)],
    ["'1 '*", (n) => '1 '.repeat(n / 2)],
    ["'-'*", (n) => '-'.repeat(n)],
    ["'@'*", (n) => '@'.repeat(n)],
    ["'a@a.'*", (n) => 'a@a.'.repeat(n / 4)],
    ["'４'* full-width", (n) => '４'.repeat(n)],
  ] as Array<[string, (size: number) => string]>
).map(([label, make]) => [label, (n: number) => flat(make(n))]);

function timeOnce(scan: Scan, text: string): number {
  const t0 = performance.now();
  scan(text);
  return performance.now() - t0;
}

/** Median time in ms over enough runs to take ~`budgetMs`, after a warm-up long enough for the JIT to settle. */
function timeMedian(scan: Scan, text: string, budgetMs = 300, maxRuns = 2000): number {
  const warmUntil = performance.now() + Math.min(50, budgetMs / 4);
  for (let i = 0; i < 500 && performance.now() < warmUntil; i++) scan(text);
  const first = timeOnce(scan, text);
  const runs = Math.max(3, Math.min(maxRuns, Math.floor(budgetMs / Math.max(first, 0.001))));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(timeOnce(scan, text));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function loadRedactPii(): Promise<{ scan?: Scan; note: string }> {
  try {
    const mod = (await import('redact-pii' as string)) as { SyncRedactor: new () => { redact(text: string): string } };
    const redactor = new mod.SyncRedactor();
    return { scan: (text) => redactor.redact(text), note: 'redact-pii SyncRedactor (offline, built-in patterns)' };
  } catch (error) {
    return { note: `redact-pii unavailable: ${(error as Error).message}` };
  }
}

export interface BenchResult {
  typical: Array<{ engine: string; usPerPrompt: number }>;
  throughput: Array<{ engine: string; mbPerSec: number; msPer100KB: number }>;
  hostile: Array<{ engine: string; input: string; ms10KB: string; ms100KB: string; ms1MB: string; growth: string }>;
  notes: string[];
}

/** Runs the benchmark; slow engines are run on bigger hostile inputs only while projected to finish in seconds. */
export async function benchPii(): Promise<BenchResult> {
  const scanner = compilePii();
  const ours: Scan = (text) => scanner.scanText(text);
  const redact = await loadRedactPii();
  const engines: Array<[string, Scan]> = [['vectorcache', ours], ['naive regex set', naiveScan]];
  if (redact.scan) engines.push(['redact-pii', redact.scan]);
  const notes = [redact.note];

  const prompt = typicalPrompt(1024);
  const body = { model: 'gpt-4o', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: prompt }] };
  const typical = engines.map(([engine, scan]) => ({ engine, usPerPrompt: round(timeMedian(scan, prompt) * 1000) }));
  typical.push({ engine: 'vectorcache inspect(body)', usPerPrompt: round(timeMedian(() => scanner.inspect(body), '') * 1000) });

  const text100 = mixedText(100 * 1024);
  const throughput = engines.map(([engine, scan]) => {
    const ms = timeMedian(scan, text100, 1000, 50);
    return { engine, msPer100KB: round(ms), mbPerSec: round(0.1 / (ms / 1000) * 1.024) };
  });

  const hostile: BenchResult['hostile'] = [];
  const sizes = [10 * 1024, 100 * 1024, 1024 * 1024];
  for (const [engine, scan] of engines) {
    for (const [input, make] of HOSTILE_PATTERNS) {
      const times: Array<number | undefined> = [];
      let skipped = '';
      for (const size of sizes) {
        const prev = times[times.length - 1];
        // A quadratic engine takes 100× longer for 10× the input: skip when that would exceed ~3 s.
        if (prev !== undefined && prev * 100 > 3000) {
          skipped = `skipped (projected ≥ ${round((prev * 100) / 1000)} s if quadratic)`;
          times.push(undefined);
          continue;
        }
        if (skipped) {
          times.push(undefined);
          continue;
        }
        // Median after a warm-up run at every size: a single cold run at 1 MB times page faults and GC, not the scan.
        times.push(size >= 1024 * 1024 ? timeMedian(scan, make(size), 300, 5) : timeMedian(scan, make(size), 200, 200));
      }
      const [a, b, c] = times;
      hostile.push({
        engine,
        input,
        ms10KB: fmt(a),
        ms100KB: b === undefined ? skipped || '—' : fmt(b),
        ms1MB: c === undefined ? skipped || '—' : fmt(c),
        growth: a !== undefined && c !== undefined ? `${round(c / Math.max(a, 0.001))}× (linear ≈ 100×)` : a !== undefined && b !== undefined ? `${round(b / Math.max(a, 0.001))}× for 10× input` : '—',
      });
    }
  }
  return { typical, throughput, hostile, notes };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '—' : `${round(ms)} ms`;
}

/** Prints the benchmark as tables. */
export function printBench(result: BenchResult): void {
  console.log(`PII benchmark (node ${process.version})`);
  console.log('\nµs per clean typical 1 KB chat prompt:');
  console.table(result.typical);
  console.log('\nThroughput on 100 KB of prompt text with PII every ~2 KB:');
  console.table(result.throughput);
  console.log('\nHostile inputs (10 KB / 100 KB / 1 MB):');
  console.table(result.hostile);
  for (const note of result.notes) console.log(`note: ${note}`);
}

// No top-level await: the module stays loadable from CommonJS bench runners.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchPii().then(printBench, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
