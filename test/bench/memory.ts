// Memory part of the benchmark: RSS of 100k cached 1 KB entries and the byte bound under churn, measured in a child run with --expose-gc.
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StoredEntry } from '@vectorcache/core';
import { MemoryCacheStore, entryBytes } from '../../packages/core/src/stores/memory-cache-store.js';
import { runJsonChild } from './child.js';

/** Target size of one entry as the store charges it (JSON form plus key). */
export const ENTRY_BYTES = 1024;
const TTL_MS = 3_600_000;

const probe = makeEntry(0, 0);
const OVERHEAD = entryBytes(entryKey(0), probe);

export function entryKey(i: number): string {
  return `bench:${i.toString(16).padStart(64, '0')}`;
}

/**
 * A sealed-looking entry of about 1 KB: request and response are fresh base64url strings, as
 * Fernet tokens are, so no two entries share string memory (a repeated literal would).
 */
export function makeEntry(i: number, payloadBytes = ENTRY_BYTES - (OVERHEAD || 0)): StoredEntry {
  const now = Date.now();
  const request = Math.max(0, Math.floor(payloadBytes / 4));
  const response = Math.max(0, payloadBytes - request);
  return {
    v: 1,
    tenant: 'bench',
    model: 'gpt-4o-mini',
    createdAt: now,
    expiresAt: now + TTL_MS,
    enc: ['request', 'response'],
    request: randomBytes(Math.ceil((request * 3) / 4)).toString('base64url').slice(0, request),
    response: randomBytes(Math.ceil((response * 3) / 4)).toString('base64url').slice(0, response),
    status: 200,
    headers: { 'content-type': 'application/json' },
    size: response,
    elapsedMs: 5 + (i % 100),
  };
}

export interface MemoryResult {
  entries: number;
  /** Mean bytes charged per entry by the store. */
  entryBytes: number;
  gcExposed: boolean;
  rssBeforeMB: number;
  rssAfterMB: number;
  rssDeltaMB: number;
  heapDeltaMB: number;
  churn: {
    maxBytes: number;
    insertedBytes: number;
    /** Highest size().bytes seen (checked every 64 inserts and at the end). */
    peakBytes: number;
    finalBytes: number;
    finalEntries: number;
    holds: boolean;
  };
}

const MB = 1024 * 1024;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** The measurement itself; meant to run in a fresh process (see runMemoryChild). */
export function measureMemory(entries: number, churnMaxBytes: number): MemoryResult {
  collect();
  const before = process.memoryUsage();
  let store: MemoryCacheStore | undefined = new MemoryCacheStore({ maxBytes: Math.max(64 * MB, entries * ENTRY_BYTES * 2) });
  for (let i = 0; i < entries; i++) store.set(entryKey(i), makeEntry(i), TTL_MS);
  const held = store.size() as { entries: number; bytes: number };
  collect();
  const after = process.memoryUsage();
  if (held.entries !== entries) throw new Error(`memory bench: store kept ${held.entries} of ${entries} entries`);
  store.shutdown();
  store = undefined;
  collect();

  // Churn: twice the bound, checking the bound as it fills and evicts.
  const churn = new MemoryCacheStore({ maxBytes: churnMaxBytes });
  let inserted = 0;
  let peak = 0;
  for (let i = 0; inserted < 2 * churnMaxBytes; i++) {
    const key = entryKey(i);
    const entry = makeEntry(i);
    inserted += entryBytes(key, entry);
    churn.set(key, entry, TTL_MS);
    if (i % 64 === 0) peak = Math.max(peak, (churn.size() as { bytes: number }).bytes);
  }
  const final = churn.size() as { entries: number; bytes: number };
  peak = Math.max(peak, final.bytes);
  return {
    entries,
    entryBytes: held.bytes / entries,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    rssBeforeMB: before.rss / MB,
    rssAfterMB: after.rss / MB,
    rssDeltaMB: (after.rss - before.rss) / MB,
    heapDeltaMB: (after.heapUsed - before.heapUsed) / MB,
    churn: {
      maxBytes: churnMaxBytes,
      insertedBytes: inserted,
      peakBytes: peak,
      finalBytes: final.bytes,
      finalEntries: final.entries,
      holds: peak <= churnMaxBytes && final.entries > 0,
    },
  };
}

/** Runs measureMemory in `node --expose-gc`, so RSS starts from a collected heap of a process that did nothing else. */
export async function runMemoryChild(entries: number, churnMaxBytes: number): Promise<MemoryResult> {
  return runJsonChild<MemoryResult>(fileURLToPath(import.meta.url), [String(entries), String(churnMaxBytes)], 'memory bench');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entries = Number(process.argv[2] ?? 100_000);
  const churnMaxBytes = Number(process.argv[3] ?? 8 * MB);
  process.stdout.write(`${JSON.stringify(measureMemory(entries, churnMaxBytes))}\n`);
}
