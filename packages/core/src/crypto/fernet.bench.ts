// Micro-benchmark (not a test): Fernet encrypt+decrypt vs bare AES-CBC+HMAC, and PBKDF2 key derivation time.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { deriveFernetKey } from './derive.js';
import { createEntryCipher } from './entry-cipher.js';
import { Fernet } from './fernet.js';

/** One measured line; `usPerOp` is microseconds per operation (an encrypt+decrypt pair in CPU time, or one derivation in wall time). */
export interface BenchRow {
  name: string;
  bytes?: number;
  ops: number;
  usPerOp: number;
}

/** Process CPU time in ms: time the OS spends on other processes does not count (the machine may be shared). */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Microseconds of CPU time per call of `fn`, running it for about `ms` milliseconds of CPU time. */
function timeRound(fn: () => void, ms: number): { ops: number; us: number } {
  let ops = 0;
  const start = cpuMs();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    elapsed = cpuMs() - start;
  }
  return { ops, us: (elapsed * 1000) / ops };
}

/**
 * Interleaves short rounds of every case and reports each case's median round, so a burst of
 * load on a shared machine skews one round of every case rather than all of one case.
 */
function measureInterleaved(cases: Array<{ name: string; bytes?: number; fn: () => void }>, rounds = 15, ms = 40): BenchRow[] {
  for (const c of cases) for (let i = 0; i < 30; i++) c.fn();
  const samples = cases.map(() => [] as number[]);
  const ops = cases.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    // Alternating the order cancels any effect one case has on the next (caches, GC debt).
    (r % 2 === 0 ? cases : [...cases].reverse()).forEach((c) => {
      const i = cases.indexOf(c);
      const { ops: n, us } = timeRound(c.fn, ms);
      samples[i]!.push(us);
      ops[i]! += n;
    });
  }
  return cases.map((c, i) => {
    const sorted = samples[i]!.sort((a, b) => a - b);
    return { name: c.name, ...(c.bytes === undefined ? {} : { bytes: c.bytes }), ops: ops[i]!, usPerOp: sorted[Math.floor(sorted.length / 2)]! };
  });
}

async function measureAsync(name: string, fn: () => Promise<unknown>, runs: number): Promise<BenchRow> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return { name, ops: runs, usPerOp: ((performance.now() - start) * 1000) / runs };
}

/** AES-128-CBC under a fresh IV and HMAC-SHA256, fresh contexts, no framing or base64: IV ‖ ciphertext ‖ MAC. */
export function bareSeal(signingKey: Buffer, encryptionKey: Buffer, data: Buffer): Buffer {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv);
  const body = Buffer.concat([iv, cipher.update(data), cipher.final()]);
  return Buffer.concat([body, createHmac('sha256', signingKey).update(body).digest()]);
}

/** Checks the MAC of a {@link bareSeal} output in constant time, then decrypts it. */
export function bareOpen(signingKey: Buffer, encryptionKey: Buffer, sealed: Buffer): Buffer {
  const body = sealed.subarray(0, sealed.length - 32);
  if (!timingSafeEqual(createHmac('sha256', signingKey).update(body).digest(), sealed.subarray(sealed.length - 32))) throw new Error('mac');
  const decipher = createDecipheriv('aes-128-cbc', encryptionKey, body.subarray(0, 16));
  return Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]);
}

/** The same primitives as Fernet without token framing or base64: the floor Fernet could reach. */
export function bareRoundTrip(signingKey: Buffer, encryptionKey: Buffer, data: Buffer): Buffer {
  return bareOpen(signingKey, encryptionKey, bareSeal(signingKey, encryptionKey, data));
}

/** Measures Fernet and the bare baseline at 1 KB and 64 KB, then PBKDF2 (100 000 iterations). */
export async function benchFernet(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const key = Fernet.generateKey();
  const fernet = new Fernet(key);
  const raw = Buffer.from(key, 'base64url');
  const signingKey = raw.subarray(0, 16);
  const encryptionKey = raw.subarray(16);
  for (const size of [1024, 64 * 1024]) {
    const data = randomBytes(size);
    const text = 'x'.repeat(size);
    rows.push(
      ...measureInterleaved([
        { name: 'fernet encrypt+decrypt (bytes)', bytes: size, fn: () => fernet.decrypt(fernet.encrypt(data)) },
        { name: 'fernet encrypt+decryptText (string)', bytes: size, fn: () => fernet.decryptText(fernet.encrypt(text)) },
        { name: 'bare aes-128-cbc+hmac-sha256', bytes: size, fn: () => bareRoundTrip(signingKey, encryptionKey, data) },
      ]),
    );
  }
  rows.push(await measureAsync('deriveFernetKey (pbkdf2 100k)', () => deriveFernetKey('benchmark-secret-0123456789abcdef', 'vectorcache-guard/v1'), 10));
  rows.push(
    await measureAsync(
      'createEntryCipher (3 secrets, parallel)',
      () => createEntryCipher({ secret: 'a'.repeat(32), previousSecrets: ['b'.repeat(32), 'c'.repeat(32)], indexSecret: 'd'.repeat(32) }),
      5,
    ),
  );
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchFernet();
  console.log(`node ${process.version}`);
  for (const row of rows) {
    const size = row.bytes === undefined ? '' : `${row.bytes / 1024} KB`;
    console.log(`${row.name.padEnd(42)} ${size.padStart(6)}  ${row.usPerOp.toFixed(1).padStart(10)} µs/op  (${row.ops} ops)`);
  }
}
