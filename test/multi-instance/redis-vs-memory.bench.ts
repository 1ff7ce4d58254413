// Benchmark: cache-hit latency and throughput of an in-process guard with the Redis cache store vs the memory store.
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import {
  MemoryCacheStore, MemoryCounterStore, MemoryKeyStore, createGuard, createKey, type CacheStore, type GuardRequest,
} from '@vectorcache/core';
import { RedisCacheStore } from '@vectorcache/redis';

export interface HitBenchOptions {
  /** Measured hits per store (each timed alone, one after the other). Defaults to 5_000. */
  hits?: number;
  /** Requests in flight for the throughput run (another `hits` requests). Defaults to 32. */
  concurrency?: number;
  /** Redis to use; its rows are left out, with `skipped` set, when it does not answer. Defaults to `redis://127.0.0.1:6379`. */
  redisUrl?: string;
  /** Prefix of the bench's Redis keys, all removed at the end. Defaults to a random `vc-bench-…:`. */
  redisPrefix?: string;
}

export interface HitBenchRow {
  store: 'memory' | 'redis';
  hits: number;
  p50Us: number;
  p99Us: number;
  /** One request at a time. */
  opsPerSec: number;
  /** `concurrency` requests in flight. */
  concurrentOpsPerSec: number;
  /**
   * Hits that came back as `cache_unavailable` bypasses because the store missed its deadline (the
   * Redis store's 50 ms command timeout, the guard's `cacheTimeoutMs`): expected only on an overloaded host.
   */
  timedOut: number;
}

export interface HitBenchResult {
  rows: HitBenchRow[];
  concurrency: number;
  /** Why a store was not measured (e.g. Redis not reachable). */
  skipped?: string;
}

const quiet = { info() {}, warn() {}, error() {} };

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One guard with `cache`, one entry stored, then `hits` timed hits and a concurrent run. */
async function measure(store: HitBenchRow['store'], cache: CacheStore, hits: number, concurrency: number): Promise<HitBenchRow> {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 'bench', tenant: 'bench', scopes: ['cache:read', 'cache:write'] });
  // Keys and counters stay in memory for both rows, so the difference is the cache store alone.
  const guard = createGuard({
    environment: 'dev', keys, cache, counters: new MemoryCounterStore(), pii: false, logger: quiet,
    encryption: { secret: 'bench-secret-0123456789abcdef0123456789' },
  });
  try {
    await guard.ready();
    const request: GuardRequest = {
      method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: { model: 'offline-1', messages: [{ role: 'user', content: 'How fast is a cache hit?' }] },
    };
    const miss = await guard.handle(request);
    if (miss.kind !== 'pass' || !miss.ticket) throw new Error(`bench: expected a miss with a ticket, got ${miss.kind}`);
    const answer = JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(512) }, finish_reason: 'stop' }] });
    await guard.complete(miss.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: answer }).done;

    let timedOut = 0;
    const hit = async (): Promise<void> => {
      const decision = await guard.handle(request);
      if (decision.kind === 'respond' && decision.source === 'hit') return;
      if (decision.kind === 'pass' && decision.reasons.join() === 'cache_unavailable') {
        timedOut++;
        return;
      }
      throw new Error(`bench: expected a hit from the ${store} store, got ${decision.kind} ${decision.kind === 'pass' ? decision.reasons.join() : ''}`);
    };
    for (let i = 0; i < Math.min(500, hits); i++) await hit();

    const times = new Float64Array(hits);
    const started = performance.now();
    for (let i = 0; i < hits; i++) {
      const t = performance.now();
      await hit();
      times[i] = (performance.now() - t) * 1000;
    }
    const sequentialMs = performance.now() - started;
    times.sort();

    let next = 0;
    const concurrentStarted = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next++ < hits) await hit();
    }));
    const concurrentMs = performance.now() - concurrentStarted;

    return {
      store, hits,
      p50Us: percentile(times, 50), p99Us: percentile(times, 99),
      opsPerSec: hits / (sequentialMs / 1000), concurrentOpsPerSec: hits / (concurrentMs / 1000), timedOut,
    };
  } finally {
    await guard.close();
  }
}

/** Removes every key under `prefix` (SCAN, never KEYS). */
async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (batch.length > 0) await redis.del(...batch);
  } while (cursor !== '0');
}

/** Hits through the memory store and through the Redis store, in one run (for the bench suite too). */
export async function benchRedisVsMemory(options: HitBenchOptions = {}): Promise<HitBenchResult> {
  const hits = options.hits ?? 5_000;
  const concurrency = options.concurrency ?? 32;
  const url = options.redisUrl ?? 'redis://127.0.0.1:6379';
  const rows = [await measure('memory', new MemoryCacheStore(), hits, concurrency)];

  const admin = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await admin.connect();
  } catch {
    admin.disconnect();
    return { rows, concurrency, skipped: 'redis: not reachable' };
  }
  // A prefix of its own, so the bench never touches another run's keys, and removes all of its own.
  const prefix = options.redisPrefix ?? `vc-bench-${Math.random().toString(36).slice(2, 10)}:`;
  try {
    rows.push(await measure('redis', new RedisCacheStore({ url, prefix, logger: quiet }), hits, concurrency));
  } finally {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
  return { rows, concurrency };
}

/** The rows side by side, one line per store. */
export function formatHitBench(result: HitBenchResult): string {
  const lines = [`store    hits   p50 µs   p99 µs   ops/s (1 at a time)   ops/s (${result.concurrency} in flight)   timed out`];
  for (const r of result.rows) {
    lines.push(`${r.store.padEnd(7)} ${String(r.hits).padStart(5)} ${r.p50Us.toFixed(1).padStart(8)} ${r.p99Us.toFixed(1).padStart(8)} ${Math.round(r.opsPerSec).toString().padStart(21)} ${Math.round(r.concurrentOpsPerSec).toString().padStart(21)} ${String(r.timedOut).padStart(11)}`);
  }
  if (result.skipped) lines.push(`(${result.skipped})`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatHitBench(await benchRedisVsMemory()));
}
