// Before/after in one process: this tree's Fernet, entry codec and allowlist next to the same files at a base commit.
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as now from '../../packages/core/src/index.js';
import { chatBody } from './chat-body.js';
import { blocking, type Blocking } from './floor.js';
import { allowlistRanges } from './servers/common.js';
import { formatNs, keep, measure, median, timeRuns } from './timing.js';

type Core = typeof now;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Only these parts are compared; they import nothing outside this list but node: modules.
const PATHS = ['packages/core/src/crypto', 'packages/core/src/net', 'packages/core/src/entries.ts', 'packages/core/src/errors.ts', 'packages/core/src/suggest.ts'];

/** The compared modules as they were at `ref`, extracted with `git archive` into a temporary folder. */
async function loadBase(ref: string, dir: string): Promise<Pick<Core, 'Fernet' | 'createEntryCipher' | 'EntryCodec' | 'compileAllowlist' | 'AllowlistHolder'>> {
  const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', ref, ...PATHS], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  const at = (path: string) => import(pathToFileURL(join(dir, 'packages/core/src', path)).href);
  const [crypto, entries, net] = await Promise.all([at('crypto/index.ts'), at('entries.ts'), at('net/index.ts')]);
  return { Fernet: crypto.Fernet, createEntryCipher: crypto.createEntryCipher, EntryCodec: entries.EntryCodec, compileAllowlist: net.compileAllowlist, AllowlistHolder: net.AllowlistHolder };
}

/** The floor Fernet is held to: the same primitives with fresh contexts, no framing, no base64. */
function bare(signing: Buffer, encryption: Buffer, data: Buffer): Buffer {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', encryption, iv);
  const body = Buffer.concat([iv, cipher.update(data), cipher.final()]);
  const mac = createHmac('sha256', signing).update(body).digest();
  if (!timingSafeEqual(mac, createHmac('sha256', signing).update(body).digest())) throw new Error('mac');
  const decipher = createDecipheriv('aes-128-cbc', encryption, body.subarray(0, 16));
  return Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]);
}

type Line = [string, string, string, string];
const row = (label: string, before: number, after: number): Line => [label, formatNs(before), formatNs(after), `${(after / before).toFixed(2)}×`];

async function fernetLines(base: Awaited<ReturnType<typeof loadBase>>, rounds: number, roundMs: number): Promise<Line[]> {
  const key = now.Fernet.generateKey();
  const [b, a] = [new base.Fernet(key), new now.Fernet(key)];
  const raw = Buffer.from(key, 'base64url');
  const lines: Line[] = [];
  for (const size of [1024, 64 * 1024]) {
    const data = randomBytes(size);
    const text = 'x'.repeat(size);
    const t = measure(
      [
        { id: 'before', fn: () => b.decrypt(b.encrypt(data)) },
        { id: 'after', fn: () => a.decrypt(a.encrypt(data)) },
        { id: 'bare', fn: () => bare(raw.subarray(0, 16), raw.subarray(16), data) },
        { id: 'before-text', fn: () => b.decryptText(b.encrypt(text)) },
        { id: 'after-text', fn: () => a.decryptText(a.encrypt(text)) },
      ],
      rounds,
      roundMs,
    );
    const kb = `${size / 1024} KB`;
    const g = (id: string) => t.get(id)!;
    lines.push(
      row(`Fernet encrypt+decrypt, ${kb} bytes`, g('before'), g('after')),
      row(`Fernet encrypt+decryptText, ${kb} string`, g('before-text'), g('after-text')),
      [`  ÷ bare AES-128-CBC + HMAC-SHA256 (${formatNs(g('bare'))}), ${kb}`, `${(g('before') / g('bare')).toFixed(2)}×`, `${(g('after') / g('bare')).toFixed(2)}×`, 'goal ≤ 1.3×'],
    );
  }
  const secret = 'benchmark-only-secret-0123456789abcdef';
  const [cb, ca] = [new base.EntryCodec(await base.createEntryCipher({ secret, iterations: 1000 })), new now.EntryCodec(await now.createEntryCipher({ secret, iterations: 1000 }))];
  const fields = { request: chatBody(3), response: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'y'.repeat(980) } }] }) };
  const entry = (codec: InstanceType<Core['EntryCodec']>) => ({ v: 1 as const, tenant: 't', model: 'm', createdAt: 0, expiresAt: Date.now() + 3_600_000, status: 200, headers: {}, size: 1024, ...codec.seal(fields) });
  const [eb, ea] = [entry(cb), entry(ca)];
  const t = measure(
    [
      { id: 'seal-before', fn: () => cb.seal(fields) },
      { id: 'seal-after', fn: () => ca.seal(fields) },
      { id: 'open-before', fn: () => cb.open(eb, 'response') },
      { id: 'open-after', fn: () => ca.open(ea, 'response') },
    ],
    rounds,
    roundMs,
  );
  lines.push(
    row('EntryCodec.seal, 1 KB prompt + 1 KB answer (miss)', t.get('seal-before')!, t.get('seal-after')!),
    row('EntryCodec.open of the 1 KB answer (hit)', t.get('open-before')!, t.get('open-after')!),
  );
  return lines;
}

/**
 * The entry layout question of issue 17: one Fernet token for {answer, prompt} (one cipher and
 * HMAC setup at seal time) against one token per field (what EntryCodec does). A hit needs only
 * the answer, but a single token must be verified, so hashed, whole, prompt included.
 */
function layoutLines(rounds: number, roundMs: number): Line[] {
  const f = new now.Fernet(now.Fernet.generateKey());
  const lines: Line[] = [];
  for (const promptKB of [1, 16]) {
    const request = 'q'.repeat(promptKB * 1024);
    const response = 'a'.repeat(1024);
    // Framing: the answer's length, the answer, the prompt.
    const single = f.encrypt(`${response.length}:${response}${request}`);
    const perField = [f.encrypt(request), f.encrypt(response)] as const;
    const t = measure(
      [
        { id: 'seal-two', fn: () => [f.encrypt(request), f.encrypt(response)] },
        { id: 'seal-one', fn: () => f.encrypt(`${response.length}:${response}${request}`) },
        { id: 'hit-two', fn: () => f.decryptText(perField[1]) },
        {
          id: 'hit-one',
          fn: () => {
            const text = f.decryptText(single);
            const colon = text.indexOf(':');
            return text.slice(colon + 1, colon + 1 + Number(text.slice(0, colon)));
          },
        },
      ],
      rounds,
      roundMs,
    );
    const g = (id: string) => t.get(id)!;
    lines.push(
      [`entry layout, ${promptKB} KB prompt + 1 KB answer: seal`, `two tokens ${formatNs(g('seal-two'))}`, `one token ${formatNs(g('seal-one'))}`, `${(g('seal-one') / g('seal-two')).toFixed(2)}×`],
      [`entry layout, ${promptKB} KB prompt + 1 KB answer: hit (answer only)`, `two tokens ${formatNs(g('hit-two'))}`, `one token ${formatNs(g('hit-one'))}`, `${(g('hit-one') / g('hit-two')).toFixed(2)}×`],
    );
  }
  return lines;
}

async function allowlistLines(base: Awaited<ReturnType<typeof loadBase>>, rounds: number, roundMs: number): Promise<Line[]> {
  const small = allowlistRanges(10, true);
  const big = allowlistRanges(100_000, true);
  const [b10, b100k, a10, a100k] = [base.compileAllowlist(small), base.compileAllowlist(big), now.compileAllowlist(small), now.compileAllowlist(big)];
  const probes = ['127.0.0.1', '11.0.2.9', '2001:1000:2::1', '8.8.8.8', '2001:db8::1', '11.0.4.200'];
  let i = 0;
  // One function literal per list: closures of one literal share type feedback, and mixing the old
  // and new classes at one call site would slow both down.
  const t = measure(
    [
      { id: 'b10', fn: () => b10.contains(probes[i++ % 6]!) },
      { id: 'b100k', fn: () => b100k.contains(probes[i++ % 6]!) },
      { id: 'a10', fn: () => a10.contains(probes[i++ % 6]!) },
      { id: 'a100k', fn: () => a100k.contains(probes[i++ % 6]!) },
    ],
    rounds,
    roundMs,
  );
  const g = (id: string) => t.get(id)!;
  const compileBefore = timeRuns(() => base.compileAllowlist(big), 3, 2000);
  const compileAfter = timeRuns(() => now.compileAllowlist(big), 3, 2000);
  const blocksBefore: Blocking[] = [];
  const blocksAfter: Blocking[] = [];
  for (let r = 0; r < 3; r++) {
    const before = new base.AllowlistHolder(['10.0.0.0/8']);
    blocksBefore.push(await blocking(() => before.set(big)));
    const after = new now.AllowlistHolder(['10.0.0.0/8']);
    blocksAfter.push(await blocking(() => after.setAsync(big)));
  }
  const worst = (runs: Blocking[], key: 'maxWorkMs' | 'maxGapMs') => `${Math.max(...runs.map((x) => x[key])).toFixed(1)} ms`;
  keep([b10, b100k, a10, a100k]);
  return [
    row('allowlist lookup, 10 ranges', g('b10'), g('a10')),
    row('allowlist lookup, 100,000 ranges', g('b100k'), g('a100k')),
    ['  100,000 ÷ 10', `${(g('b100k') / g('b10')).toFixed(2)}×`, `${(g('a100k') / g('a10')).toFixed(2)}×`, 'goal ≤ 1.5×'],
    row('compileAllowlist, 100,000 ranges (sync)', compileBefore, compileAfter),
    ['setIpAllowlist 100,000 ranges: longest block, CPU time (worst of 3)', `${worst(blocksBefore, 'maxWorkMs')} (set)`, `${worst(blocksAfter, 'maxWorkMs')} (setAsync)`, 'goal ≤ 20 ms'],
    ['  same, wall clock (includes time the OS gave other processes)', worst(blocksBefore, 'maxGapMs'), worst(blocksAfter, 'maxGapMs'), `median ${median(blocksAfter.map((x) => x.maxGapMs)).toFixed(1)} ms`],
  ];
}

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--base='));
  const ref = arg ? arg.slice(7) : execFileSync('git', ['-C', ROOT, 'merge-base', 'HEAD', 'main'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'vc-base-'));
  try {
    const base = await loadBase(ref, dir);
    // Many short rounds: on a shared machine a median of many is steadier than a median of a few long ones.
    const [rounds, roundMs] = process.argv.includes('--quick') ? [7, 20] : [21, 40];
    const lines = [...(await fernetLines(base, rounds, roundMs)), ...layoutLines(rounds, roundMs), ...(await allowlistLines(base, rounds, roundMs))];
    const header: Line = ['case', `before (${ref.slice(0, 8)})`, 'after (this tree)', 'after ÷ before'];
    const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
    for (const l of [header, ...lines]) console.log(l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
