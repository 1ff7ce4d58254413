// Before/after in one run: this tree's Fernet, entry codec and allowlist against the same files at a base commit.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bareRoundTrip } from '../../packages/core/src/crypto/fernet.bench.js';
import { chatBody } from './chat-body.js';
import { blocking } from './floor.js';
import { allowlistRanges } from './servers/common.js';
import { cpuNs, formatNs, keep, measure, median, timeRuns, type Case } from './timing.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
// Only these parts are compared; they import nothing outside this list but node: modules.
const PATHS = ['packages/core/src/crypto', 'packages/core/src/net', 'packages/core/src/entries.ts', 'packages/core/src/errors.ts', 'packages/core/src/suggest.ts'];

/** What is compared, as both trees spell it (loaded at run time, so typed by shape). */
interface Side {
  Fernet: {
    new (key: string): { encrypt(data: string | Uint8Array): string; decrypt(token: string): Uint8Array; decryptText(token: string): string };
    generateKey(): string;
  };
  createEntryCipher(options: { secret: string; iterations: number }): Promise<unknown>;
  EntryCodec: new (cipher: unknown) => {
    seal(fields: { request: string; response: string }): Record<string, unknown>;
    open(entry: unknown, field: 'response'): { text: string };
  };
  compileAllowlist(cidrs: string[]): { contains(address: string): boolean };
  AllowlistHolder: new (cidrs: string[]) => { set(cidrs: string[]): void; setAsync?(cidrs: string[]): Promise<boolean> };
}

/** The compared modules under `src` (this tree's packages/core/src, or a base commit's copy). */
async function loadSide(src: string): Promise<Side> {
  const at = (path: string) => import(pathToFileURL(join(src, path)).href);
  const [crypto, entries, net] = await Promise.all([at('crypto/index.ts'), at('entries.ts'), at('net/index.ts')]);
  return { Fernet: crypto.Fernet, createEntryCipher: crypto.createEntryCipher, EntryCodec: entries.EntryCodec, compileAllowlist: net.compileAllowlist, AllowlistHolder: net.AllowlistHolder };
}

type Figures = Record<string, number>;

/** Interleaved rounds timed in process CPU time, so what else the machine runs counts less. */
const measureCpu = (cases: Case[], rounds: number, roundMs: number): Figures => Object.fromEntries(measure(cases, rounds, roundMs, cpuNs));

async function cryptoFigures(side: Side, rounds: number, roundMs: number): Promise<Figures> {
  const key = side.Fernet.generateKey();
  const f = new side.Fernet(key);
  const raw = Buffer.from(key, 'base64url');
  const out: Figures = {};
  for (const size of [1, 64]) {
    const data = randomBytes(size * 1024);
    const text = 'x'.repeat(size * 1024);
    const t = measureCpu(
      [
        { id: `fernet.${size}k`, fn: () => f.decrypt(f.encrypt(data)) },
        { id: `fernet.${size}k.text`, fn: () => f.decryptText(f.encrypt(text)) },
        { id: `bare.${size}k`, fn: () => bareRoundTrip(raw.subarray(0, 16), raw.subarray(16), data) },
      ],
      rounds,
      roundMs,
    );
    Object.assign(out, t);
  }
  const codec = new side.EntryCodec(await side.createEntryCipher({ secret: 'benchmark-only-secret-0123456789abcdef', iterations: 1000 }));
  const fields = { request: chatBody(3), response: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'y'.repeat(980) } }] }) };
  const entry = { v: 1, tenant: 't', model: 'm', createdAt: 0, expiresAt: Date.now() + 3_600_000, status: 200, headers: {}, size: 1024, ...codec.seal(fields) };
  Object.assign(out, measureCpu([{ id: 'seal', fn: () => codec.seal(fields) }, { id: 'open', fn: () => codec.open(entry, 'response') }], rounds, roundMs));
  return out;
}

/**
 * The entry layout question of issue 17: one Fernet token for {answer, prompt} (one cipher and
 * HMAC setup at seal time) against one token per field (what EntryCodec does). A hit needs only
 * the answer, but a single token must be verified, so hashed, whole, prompt included.
 */
function layoutFigures(side: Side, rounds: number, roundMs: number): Figures {
  const f = new side.Fernet(side.Fernet.generateKey());
  const out: Figures = {};
  for (const kb of [1, 16]) {
    const request = 'q'.repeat(kb * 1024);
    const response = 'a'.repeat(1024);
    // Framing: the answer's length, the answer, the prompt.
    const single = f.encrypt(`${response.length}:${response}${request}`);
    const answerToken = f.encrypt(response);
    const openSingle = (): string => {
      const text = f.decryptText(single);
      const colon = text.indexOf(':');
      return text.slice(colon + 1, colon + 1 + Number(text.slice(0, colon)));
    };
    Object.assign(out, measureCpu(
      [
        { id: `layout.${kb}k.seal.two`, fn: () => [f.encrypt(request), f.encrypt(response)] },
        { id: `layout.${kb}k.seal.one`, fn: () => f.encrypt(`${response.length}:${response}${request}`) },
        { id: `layout.${kb}k.hit.two`, fn: () => f.decryptText(answerToken) },
        { id: `layout.${kb}k.hit.one`, fn: openSingle },
      ],
      rounds,
      roundMs,
    ));
  }
  return out;
}

async function allowlistFigures(side: Side, rounds: number, roundMs: number): Promise<Figures> {
  const big = allowlistRanges(100_000, true);
  const [small, large] = [side.compileAllowlist(allowlistRanges(10, true)), side.compileAllowlist(big)];
  const probes = ['127.0.0.1', '11.0.2.9', '2001:1000:2::1', '8.8.8.8', '2001:db8::1', '11.0.4.200'];
  let i = 0;
  const out = measureCpu(
    [
      { id: 'allowlist.10', fn: () => small.contains(probes[i++ % 6]!) },
      { id: 'allowlist.100k', fn: () => large.contains(probes[i++ % 6]!) },
    ],
    rounds,
    roundMs,
  );
  out['compile.100k'] = timeRuns(() => side.compileAllowlist(big), 3, 1500);
  const holder = new side.AllowlistHolder(['10.0.0.0/8']);
  const sync = await blocking(() => holder.set(big));
  out['block.set'] = sync.maxWorkMs * 1e6;
  if (holder.setAsync) {
    const sliced = await blocking(() => holder.setAsync!(big));
    out['block.setAsync'] = sliced.maxWorkMs * 1e6;
    out['block.setAsync.wall'] = sliced.maxGapMs * 1e6;
  }
  keep([small, large]);
  return out;
}

/** One side's figures, in a process of its own (run with VC_COMPARE_SRC set). */
async function child(src: string, quick: boolean): Promise<void> {
  const side = await loadSide(src);
  const [rounds, roundMs] = quick ? [5, 20] : [11, 30];
  // One short pass first, thrown away: the optimising compiler is done with the hot code by then.
  await cryptoFigures(side, 3, 10);
  const figures = { ...(await cryptoFigures(side, rounds, roundMs)), ...layoutFigures(side, rounds, roundMs), ...(await allowlistFigures(side, rounds, roundMs)) };
  process.stdout.write(JSON.stringify(figures));
}

function table(ref: string, before: Figures, after: Figures): string {
  type Line = [string, string, string, string];
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const pair = (label: string, id: string): Line => [label, formatNs(before[id]!), formatNs(after[id]!), ratio(after[id]!, before[id]!)];
  const toBare = (size: string): Line => [`  ÷ bare AES-128-CBC + HMAC-SHA256 (${formatNs(after[`bare.${size}`]!)}), ${size.replace('k', ' KB')}`, ratio(before[`fernet.${size}`]!, before[`bare.${size}`]!), ratio(after[`fernet.${size}`]!, after[`bare.${size}`]!), 'goal ≤ 1.3×'];
  const layout = (kb: number, what: 'seal' | 'hit'): Line => {
    const [two, one] = [after[`layout.${kb}k.${what}.two`]!, after[`layout.${kb}k.${what}.one`]!];
    return [`entry layout, ${kb} KB prompt + 1 KB answer: ${what === 'seal' ? 'seal' : 'hit (answer only)'}`, `per field ${formatNs(two)}`, `one token ${formatNs(one)}`, `one ÷ per field ${ratio(one, two)}`];
  };
  const lines: Line[] = [
    ['case (per-op times in process CPU time)', `before (${ref.slice(0, 8)})`, 'after (this tree)', 'after ÷ before'],
    pair('Fernet encrypt+decrypt, 1 KB bytes', 'fernet.1k'),
    pair('Fernet encrypt+decryptText, 1 KB string', 'fernet.1k.text'),
    toBare('1k'),
    pair('Fernet encrypt+decrypt, 64 KB bytes', 'fernet.64k'),
    pair('Fernet encrypt+decryptText, 64 KB string', 'fernet.64k.text'),
    toBare('64k'),
    pair('EntryCodec.seal, 1 KB prompt + 1 KB answer (miss)', 'seal'),
    pair('EntryCodec.open of the 1 KB answer (hit)', 'open'),
    layout(1, 'seal'), layout(1, 'hit'), layout(16, 'seal'), layout(16, 'hit'),
    pair('allowlist lookup, 10 ranges', 'allowlist.10'),
    pair('allowlist lookup, 100,000 ranges', 'allowlist.100k'),
    ['  100,000 ÷ 10', ratio(before['allowlist.100k']!, before['allowlist.10']!), ratio(after['allowlist.100k']!, after['allowlist.10']!), 'goal ≤ 1.5×'],
    pair('compileAllowlist, 100,000 ranges (sync, wall clock)', 'compile.100k'),
    ['setIpAllowlist 100,000 ranges: longest block (CPU time)', `${formatNs(before['block.set']!)} (set)`, `${formatNs(after['block.setAsync']!)} (setAsync)`, 'goal ≤ 20 ms'],
    ['  same, wall clock (counts other processes\' time too)', '', formatNs(after['block.setAsync.wall']!), `sync set now: ${formatNs(after['block.set']!)}`],
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  if (process.env.VC_COMPARE_SRC) return child(process.env.VC_COMPARE_SRC, quick);
  const arg = process.argv.find((a) => a.startsWith('--base='));
  const ref = arg ? arg.slice(7) : execFileSync('git', ['-C', ROOT, 'merge-base', 'HEAD', 'main'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'vc-base-'));
  try {
    const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', ref, ...PATHS], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const sources = { before: join(dir, 'packages/core/src'), after: join(ROOT, 'packages/core/src') };
    // Before and after alternate in fresh processes (ABBA…), and each figure is the median of its side's runs.
    const runs: Record<'before' | 'after', Figures[]> = { before: [], after: [] };
    const pairs = quick ? 1 : 3;
    for (let p = 0; p < pairs; p++) {
      for (const side of p % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
        process.stderr.write(`  ${side} (${p + 1}/${pairs})\n`);
        const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', SELF, ...(quick ? ['--quick'] : [])], {
          env: { ...process.env, VC_COMPARE_SRC: sources[side] },
          encoding: 'utf8',
          maxBuffer: 1024 * 1024,
        });
        runs[side].push(JSON.parse(out) as Figures);
      }
    }
    const medians = (all: Figures[]): Figures => Object.fromEntries(Object.keys(all[0]!).map((id) => [id, median(all.map((f) => f[id]!))]));
    console.log(table(ref, medians(runs.before), medians(runs.after)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
