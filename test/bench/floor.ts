// In-process rows of issue 17's floor: Fernet next to bare AES+HMAC, entry sealing, allowlist lookups and compile blocking.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fernetNpm from 'fernet';
import { AllowlistHolder, createEntryCipher, EntryCodec, Fernet } from '@vectorcache/core';
import { benchFernet } from '../../packages/core/src/crypto/fernet.bench.js';
import { benchAllowlist, type AllowlistBenchRow } from '../../packages/core/src/net/allowlist.bench.js';
import { chatBody } from './chat-body.js';
import { allowlistRanges } from './servers/common.js';
import { cpuNs, formatNs, measure, median, times, type BenchRow, type InProcessSettings } from './timing.js';

export async function fernetRows(s: InProcessSettings): Promise<BenchRow[]> {
  const ours = await benchFernet();
  const key = Fernet.generateKey();
  const fernet = new Fernet(key);
  const secret = new fernetNpm.Secret(key);
  // The two implementations must agree on the format, or the comparison means nothing.
  const probe = fernet.encrypt('interop');
  if (new fernetNpm.Token({ secret, token: probe, ttl: 0 }).decode() !== 'interop') throw new Error('Fernet bench: npm fernet cannot read our token');
  const rows: BenchRow[] = [];
  for (const size of [1024, 64 * 1024]) {
    const text = 'x'.repeat(size);
    const npm = measure([{ id: 'npm', fn: () => new fernetNpm.Token({ secret, token: new fernetNpm.Token({ secret }).encode(text), ttl: 0 }).decode() }], s.rounds, s.roundMs).get('npm')!;
    const find = (name: string) => ours.find((r) => r.name === name && r.bytes === size)!.usPerOp * 1000;
    const bytes = find('fernet encrypt+decrypt (bytes)');
    const str = find('fernet encrypt+decryptText (string)');
    const bare = find('bare aes-128-cbc+hmac-sha256');
    const kb = `${size / 1024} KB`;
    const n = `${size / 1024}kb`;
    rows.push(
      { id: `fernet.${n}.vectorcache`, section: 'Fernet', label: `vectorcache Fernet encrypt+decrypt, ${kb} bytes`, ns: bytes, vs: `${times(bytes, bare)} the bare node:crypto baseline` },
      { id: `fernet.${n}.vectorcache-text`, section: 'Fernet', label: `vectorcache Fernet encrypt+decryptText, ${kb} string`, ns: str, vs: `npm fernet ${times(npm, str)} slower` },
      { id: `fernet.${n}.bare`, section: 'Fernet', label: `bare node:crypto AES-128-CBC + HMAC-SHA256, ${kb} (no token framing)`, ns: bare },
      { id: `fernet.${n}.npm`, section: 'Fernet', label: `npm fernet Token encode+decode, ${kb} string`, ns: npm },
      // Both figures come from the same interleaved rounds of benchFernet, so the ratio is one run's.
      { id: `fernet.${n}.ratio`, section: 'Fernet', label: `vectorcache Fernet ÷ bare AES-128-CBC + HMAC-SHA256, ${kb} (goal ≤ 1.3×)`, result: `${(bytes / bare).toFixed(2)}×`, data: { ratio: bytes / bare } },
    );
  }
  const derive = ours.find((r) => r.name.startsWith('deriveFernetKey'));
  if (derive) rows.push({ id: 'fernet.derive', section: 'Fernet', label: 'deriveFernetKey (PBKDF2 100k, once at start-up, never per request)', ns: derive.usPerOp * 1000 });
  return rows;
}

/** EntryCodec seal (miss) and open of the answer (hit) with a 1 KB prompt and a 1 KB answer. */
export async function entryCodecRows(s: InProcessSettings): Promise<BenchRow[]> {
  const codec = new EntryCodec(await createEntryCipher({ secret: 'benchmark-only-secret-0123456789abcdef', iterations: 1000 }));
  const request = chatBody(7);
  const response = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'y'.repeat(900) } }] }).slice(0, 1024);
  const sealed = codec.seal({ request, response });
  const entry = { v: 1 as const, tenant: 't', model: 'm', createdAt: 0, expiresAt: Date.now() + 3_600_000, status: 200, headers: {}, size: response.length, ...sealed };
  if (codec.open(entry, 'response').text !== response) throw new Error('entry codec bench: the sealed answer does not open');
  const t = measure(
    [
      { id: 'seal', fn: () => codec.seal({ request, response }) },
      { id: 'open', fn: () => codec.open(entry, 'response') },
    ],
    s.rounds,
    s.roundMs,
    cpuNs,
  );
  return [
    { id: 'entry.seal', section: 'Entry codec', label: 'EntryCodec.seal, 1 KB prompt + 1 KB answer (two Fernet tokens: the miss pays this), CPU time', ns: t.get('seal')! },
    { id: 'entry.open', section: 'Entry codec', label: 'EntryCodec.open of the 1 KB answer (the hit pays this), CPU time', ns: t.get('open')! },
  ];
}

export interface Blocking {
  /** Longest wall-clock stretch between two event-loop turns. */
  maxGapMs: number;
  /** Longest stretch counting only CPU time (min of wall and process CPU time per gap): the work itself, without the time the OS ran other processes. */
  maxWorkMs: number;
  /** monitorEventLoopDelay's maximum, a second opinion on the wall-clock figure. */
  delayMaxMs: number;
  totalMs: number;
  turns: number;
}

/** Watches the event loop with a setImmediate chain (and monitorEventLoopDelay) while `run` works. */
export async function blocking(run: () => unknown): Promise<Blocking> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = 0;
  let lastCpu = 0;
  let maxGap = 0;
  let maxWork = 0;
  let turns = 0;
  let watching = true;
  const gap = (): void => {
    const t = performance.now();
    const c = cpuMs();
    maxGap = Math.max(maxGap, t - last);
    maxWork = Math.max(maxWork, Math.min(t - last, c - lastCpu));
    last = t;
    lastCpu = c;
  };
  const tick = (): void => {
    gap();
    turns++;
    if (watching) setImmediate(tick);
  };
  histogram.enable();
  await new Promise<void>((resolve) => setImmediate(resolve));
  last = performance.now();
  lastCpu = cpuMs();
  setImmediate(tick);
  const start = performance.now();
  await run();
  const totalMs = performance.now() - start;
  watching = false;
  gap();
  histogram.disable();
  return { maxGapMs: maxGap, maxWorkMs: maxWork, delayMaxMs: histogram.max / 1e6, totalMs, turns };
}

/** setIpAllowlist with 100,000 ranges: the sync compile (one block) next to the sliced one. */
async function allowlistBlockRows(s: InProcessSettings): Promise<BenchRow[]> {
  const list = allowlistRanges(100_000, true);
  const runs = s.blockRuns;
  const sync: number[] = [];
  const sliced: Blocking[] = [];
  for (let i = 0; i < runs; i++) {
    const holder = new AllowlistHolder(['10.0.0.0/8']);
    sync.push((await blocking(() => holder.set(list))).maxGapMs);
    const next = new AllowlistHolder(['10.0.0.0/8']);
    sliced.push(await blocking(() => next.setAsync(list)));
    if (!next.contains('127.0.0.1') || next.contains('10.1.1.1')) throw new Error('allowlist bench: setAsync did not swap in the new list');
  }
  const worst = sliced.reduce((a, b) => (b.maxWorkMs > a.maxWorkMs ? b : a));
  return [
    { id: 'allowlist.block.sync', section: 'IP allowlist', label: 'AllowlistHolder.set (sync compile), 100,000 ranges: event loop blocked for', ns: median(sync) * 1e6, vs: 'the whole compile in one go' },
    {
      id: 'allowlist.block.async',
      section: 'IP allowlist',
      label: `AllowlistHolder.setAsync (sliced compile), 100,000 ranges: longest block, worst of ${runs} (goal ≤ 20 ms)`,
      ns: worst.maxWorkMs * 1e6,
      vs: `CPU time between two turns; wall clock ${worst.maxGapMs.toFixed(1)} ms (includes other processes' time), event-loop delay max ${worst.delayMaxMs.toFixed(1)} ms; compile ${worst.totalMs.toFixed(0)} ms over ${worst.turns} turns`,
      data: { runs: sliced, syncMs: sync },
    },
  ];
}

export async function allowlistRows(s: InProcessSettings): Promise<BenchRow[]> {
  const runs: AllowlistBenchRow[][] = [];
  for (let i = 0; i < s.allowlistRuns; i++) runs.push(benchAllowlist([10, 1_000, 100_000]));
  const rows: BenchRow[] = [];
  const names: Record<number, string> = { 10: '10', 1000: '1k', 100000: '100k' };
  for (const [i, ranges] of [10, 1_000, 100_000].entries()) {
    const guard = median(runs.map((r) => r[i]!.guardNsPerOp));
    const linear = median(runs.map((r) => r[i]!.linearNsPerOp));
    const compileMs = median(runs.map((r) => r[i]!.compileMs));
    rows.push({
      id: `allowlist.${names[ranges]}`,
      section: 'IP allowlist',
      label: `lookup in ${ranges.toLocaleString('en-US')} ranges, parse included (compiled once: ${compileMs.toFixed(1)} ms)`,
      ns: guard,
      vs: `linear ipaddr.js scan: ${formatNs(linear)} (${times(linear, guard)} slower)`,
      data: { linearNs: linear, compileMs, runs: s.allowlistRuns },
    });
  }
  const a10 = rows[0]!.ns!;
  const a100k = rows[2]!.ns!;
  rows.push({ id: 'allowlist.ratio', section: 'IP allowlist', label: 'lookup at 100,000 ranges ÷ lookup at 10 (goal ≤ 1.5×)', result: `${(a100k / a10).toFixed(2)}×`, data: { ratio: a100k / a10 } });
  rows.push(...(await allowlistBlockRows(s)));
  return rows;
}
