// In-process part of the benchmark: each primitive of the gate next to the library or code a team would use instead.
import { createHash } from 'node:crypto';
import { SyncRedactor } from 'redact-pii';
import { cacheKey, canonicalJson, compilePii, createKey, createKeyVerifier, MemoryKeyStore } from '@vectorcache/core';
import { HOSTILE_PATTERNS, typicalPrompt } from '../../packages/core/src/pii/pii.bench.js';
import { MemoryCacheStore } from '../../packages/core/src/stores/memory-cache-store.js';
import { chatBody } from './chat-body.js';
import { allowlistRows, entryCodecRows, fernetRows } from './floor.js';
import { entryKey, makeEntry, runMemoryChild, type MemoryResult } from './memory.js';
import { drain, formatNs, keep, measure, measureAsync, now, timeRuns, times, type BenchRow, type InProcessSettings } from './timing.js';
import { streamingRows } from './streaming.js';

export type { BenchRow, InProcessSettings } from './timing.js';

export const IN_PROCESS_SETTINGS: Record<'full' | 'quick' | 'tiny', InProcessSettings> = {
  full: { rounds: 7, roundMs: 100, allowlistRuns: 3, blockRuns: 5, hostileRunsAt1MB: 3, redactHostilePatterns: HOSTILE_PATTERNS.length, cacheEntries: 100_000, memoryEntries: 100_000, churnMaxBytes: 8 * 1024 * 1024 },
  quick: { rounds: 5, roundMs: 30, allowlistRuns: 1, blockRuns: 3, hostileRunsAt1MB: 1, redactHostilePatterns: HOSTILE_PATTERNS.length, cacheEntries: 100_000, memoryEntries: 100_000, churnMaxBytes: 8 * 1024 * 1024 },
  tiny: { rounds: 2, roundMs: 2, allowlistRuns: 1, blockRuns: 1, hostileRunsAt1MB: 1, redactHostilePatterns: 1, cacheEntries: 2_000, memoryEntries: 2_000, churnMaxBytes: 256 * 1024 },
};

// ------------------------------------------------------------------ sections

async function keyRows(s: InProcessSettings): Promise<BenchRow[]> {
  const store = new MemoryKeyStore();
  // A realistic store: the presented key among a few hundred others.
  for (let i = 0; i < 200; i++) await createKey(store, { environment: 'dev', name: `k${i}`, scopes: ['cache:read'] });
  const { key } = await createKey(store, { environment: 'dev', name: 'bench', scopes: ['cache:read', 'cache:write'] });
  const verifier = createKeyVerifier(store, { environment: 'dev' });
  const check = await verifier.verify(key, Date.now());
  if (!check.ok) throw new Error(`key bench: the created key does not verify (${check.code})`);
  const map = new Map([[key, { tenant: 'bench' }]]);
  const t = await measureAsync(
    [
      { id: 'verify', fn: () => verifier.verify(key, Date.now()) },
      { id: 'map', fn: async () => map.get(key) },
    ],
    s.rounds,
    s.roundMs,
  );
  const ours = t.get('verify')!;
  const map_ = t.get('map')!;
  return [
    { id: 'key.verify', section: 'API key', label: 'createKeyVerifier.verify (format, checksum, SHA-256, store, constant-time compare)', ns: ours, vs: `peer's plaintext Map.get: ${formatNs(map_)} (it stores keys in clear)` },
    { id: 'key.map', section: 'API key', label: "peer: Map.get of the plaintext key (awaited)", ns: map_ },
  ];
}

// Same set as pii.bench.ts (not exported there): what a hand-written PII filter usually is.
const NAIVE: RegExp[] = [/\b[\w.-]+@[\w.-]+\.\w+\b/g, /\b\d{16}\b/g, /(\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}/g];

function naiveScan(text: string): number {
  let n = 0;
  for (const re of NAIVE) {
    re.lastIndex = 0;
    while (re.exec(text) !== null) n++;
  }
  return n;
}

function piiRows(s: InProcessSettings): BenchRow[] {
  const scanner = compilePii();
  const redactor = new SyncRedactor();
  const rows: BenchRow[] = [];
  for (const [size, name] of [[1024, '1kb'], [100 * 1024, '100kb']] as const) {
    const text = typicalPrompt(size);
    if (scanner.scanText(text).length !== 0) throw new Error(`PII bench: the clean ${name} prompt has findings`);
    const t = measure(
      [
        { id: 'ours', fn: () => scanner.scanText(text) },
        { id: 'redact', fn: () => redactor.redact(text) },
        { id: 'naive', fn: () => naiveScan(text) },
      ],
      s.rounds,
      s.roundMs,
    );
    const ours = t.get('ours')!;
    const label = size === 1024 ? 'clean 1 KB chat prompt' : 'clean 100 KB of prompt text';
    rows.push(
      { id: `pii.${name}.vectorcache`, section: 'PII scan', label: `vectorcache scan, ${label}`, ns: ours, vs: `redact-pii ${times(t.get('redact')!, ours)} slower; naive regexes ${formatNs(t.get('naive')!)}` },
      { id: `pii.${name}.redact-pii`, section: 'PII scan', label: `redact-pii SyncRedactor, ${label}`, ns: t.get('redact')! },
      { id: `pii.${name}.naive`, section: 'PII scan', label: `naive regex set (email, 16 digits, phone), ${label}`, ns: t.get('naive')!, vs: 'finds less: no Luhn, IBAN, SSN, secrets, full-width digits' },
    );
  }

  const sizes = [10 * 1024, 100 * 1024, 1024 * 1024];
  for (const [index, [input, make]] of HOSTILE_PATTERNS.entries()) {
    const ms = sizes.map((size) => {
      const text = make(size);
      return timeRuns(() => scanner.scanText(text), size >= 1024 * 1024 ? s.hostileRunsAt1MB : s.rounds, s.roundMs) / 1e6;
    });
    const growth = ms[2]! / ms[0]!;
    rows.push({
      id: `pii.hostile.${index}`,
      section: 'PII hostile',
      label: `vectorcache scan, hostile ${input} at 100 KB`,
      ns: ms[1]! * 1e6,
      vs: `10 KB ${ms[0]!.toFixed(2)} ms · 1 MB ${ms[2]!.toFixed(1)} ms · 10 KB→1 MB ${growth.toFixed(0)}× (linear: 100×)`,
      data: { input, ms10KB: ms[0], ms100KB: ms[1], ms1MB: ms[2], growth },
    });
  }
  // redact-pii at 10 KB only: at 100 KB a single hostile input takes it seconds to minutes.
  let worst = { input: '', ms: 0 };
  for (const [input, make] of HOSTILE_PATTERNS.slice(0, s.redactHostilePatterns)) {
    const text = make(10 * 1024);
    const start = now();
    keep(redactor.redact(text));
    const ms = Number(now() - start) / 1e6;
    if (ms > worst.ms) worst = { input, ms };
  }
  const ours10 = Math.max(...rows.filter((r) => r.id.startsWith('pii.hostile.')).map((r) => (r.data!.ms10KB as number)));
  rows.push({
    id: 'pii.hostile.redact-pii',
    section: 'PII hostile',
    label: `redact-pii, worst of ${s.redactHostilePatterns} hostile inputs at 10 KB (${worst.input})`,
    ns: worst.ms * 1e6,
    vs: `vectorcache worst at 10 KB: ${ours10.toFixed(2)} ms`,
    data: { patterns: s.redactHostilePatterns },
  });
  return rows;
}

function cacheKeyRows(s: InProcessSettings): BenchRow[] {
  const body = JSON.parse(chatBody(1)) as Record<string, unknown>;
  const ignore = new Set(['stream', 'stream_options', 'user']);
  const indexKey = createHash('sha256').update('bench index key').digest();
  const t = measure(
    [
      { id: 'ours', fn: () => cacheKey(indexKey, { tenant: 'bench', route: '/v1/chat/completions', model: 'gpt-4o-mini', canonical: canonicalJson(body, ignore) }) },
      { id: 'plain', fn: () => createHash('sha256').update(JSON.stringify(body)).digest('hex') },
    ],
    s.rounds,
    s.roundMs,
  );
  const ours = t.get('ours')!;
  return [
    { id: 'cachekey.vectorcache', section: 'Cache key', label: 'canonicalJson + cacheKey (HMAC-SHA256), 1 KB chat body', ns: ours, vs: `${times(ours, t.get('plain')!)} of JSON.stringify + SHA-256 (key order would change that key)` },
    { id: 'cachekey.plain', section: 'Cache key', label: 'JSON.stringify + SHA-256 hex, 1 KB chat body', ns: t.get('plain')! },
  ];
}

function cacheStoreRows(s: InProcessSettings): BenchRow[] {
  const n = s.cacheEntries;
  const store = new MemoryCacheStore({ maxBytes: Math.max(64 * 1024 * 1024, n * 2048) });
  const map = new Map<string, unknown>();
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = entryKey(i);
    const entry = makeEntry(i);
    keys.push(key);
    store.set(key, entry, 3_600_000);
    map.set(key, entry);
  }
  const pool = Array.from({ length: 256 }, (_, i) => makeEntry(n + i));
  let g = 0;
  let w = 0;
  const stride = 7919; // prime: walks every key in a cache-unfriendly order
  const t = measure(
    [
      { id: 'get', fn: () => store.get(keys[(g = (g + stride) % n)]!) },
      { id: 'set', fn: () => store.set(keys[(w = (w + stride) % n)]!, pool[w & 255]!, 3_600_000) },
      { id: 'mapget', fn: () => map.get(keys[(g = (g + stride) % n)]!) },
      { id: 'mapset', fn: () => map.set(keys[(w = (w + stride) % n)]!, pool[w & 255]!) },
    ],
    s.rounds,
    s.roundMs,
  );
  const held = store.size() as { entries: number };
  if (held.entries !== n) throw new Error(`cache bench: store holds ${held.entries} of ${n} entries`);
  const count = n.toLocaleString('en-US');
  return [
    { id: 'cache.get', section: 'Cache store', label: `MemoryCacheStore get (hit), ${count} 1 KB entries`, ns: t.get('get')!, vs: `Map.get: ${formatNs(t.get('mapget')!)}` },
    { id: 'cache.set', section: 'Cache store', label: `MemoryCacheStore set (replace: size accounting, indexes), ${count} entries`, ns: t.get('set')!, vs: `Map.set: ${formatNs(t.get('mapset')!)}` },
  ];
}

function memoryRows(m: MemoryResult): BenchRow[] {
  const count = m.entries.toLocaleString('en-US');
  return [
    {
      id: 'memory.rss',
      section: 'Memory',
      label: `RSS with ${count} cached 1 KB entries (${m.entryBytes.toFixed(0)} B charged each), child process${m.gcExposed ? ' after gc()' : ''}`,
      result: `${m.rssAfterMB.toFixed(0)} MB`,
      vs: `Δ ${m.rssDeltaMB.toFixed(0)} MB RSS, Δ ${m.heapDeltaMB.toFixed(0)} MB heap, from ${m.rssBeforeMB.toFixed(0)} MB`,
      data: { ...m, churn: undefined },
    },
    {
      id: 'memory.churn',
      section: 'Memory',
      label: `byte bound under churn: ${(m.churn.insertedBytes / 1048576).toFixed(1)} MB inserted into maxBytes ${(m.churn.maxBytes / 1048576).toFixed(2)} MB`,
      result: m.churn.holds ? 'holds' : 'BROKEN',
      vs: `peak ${m.churn.peakBytes.toLocaleString('en-US')} B ≤ ${m.churn.maxBytes.toLocaleString('en-US')} B, ${m.churn.finalEntries.toLocaleString('en-US')} entries kept`,
      data: m.churn as unknown as Record<string, unknown>,
    },
  ];
}

/** Every in-process row, in table order. `log` gets one line per finished section. */
export async function runInProcess(s: InProcessSettings, log: (line: string) => void = () => {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const step = async (name: string, fn: () => BenchRow[] | Promise<BenchRow[]>) => {
    const start = Date.now();
    rows.push(...(await fn()));
    log(`  ${name} done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  };
  await step('API key', () => keyRows(s));
  await step('allowlist', () => allowlistRows(s));
  await step('PII', () => piiRows(s));
  await step('Fernet', () => fernetRows(s));
  await step('entry codec', () => entryCodecRows(s));
  await step('cache key', () => cacheKeyRows(s));
  await step('cache store', () => cacheStoreRows(s));
  await step('memory', async () => memoryRows(await runMemoryChild(s.memoryEntries, s.churnMaxBytes)));
  await step('streaming', () => streamingRows(s));
  void drain();
  return rows;
}
