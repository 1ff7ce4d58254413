// What every benchmark server shares: the guard under test, the allowlists, the trivial answer and the stdout/SIGTERM protocol.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, createKey, MemoryCacheStore, MemoryKeyStore, type Guard } from '@vectorcache/core';

export type ServerMode = 'bare' | 'guarded' | 'peer10' | 'peer1000';

/** The route every server answers; POST only. */
export const ROUTE = '/v1/chat/completions';

/** Secret of the benchmark guard: a fixed throwaway value, never a real one. */
const BENCH_SECRET = 'benchmark-only-secret-0123456789abcdef';

/** The trivial JSON answer of every route; it reads the parsed body so parsing cannot be skipped. */
export function answer(body: unknown): Record<string, unknown> {
  const model = (body as { model?: unknown } | null)?.model;
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    model: typeof model === 'string' ? model : 'unknown',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  };
}

/**
 * `count` IPv4 CIDRs, the last being 127.0.0.1/32 so the load generator is allowed. The /24s
 * skip every other block: adjacent blocks would be merged by the compiler and test fewer ranges.
 * With `v6`, every other range is an IPv6 /48 instead, as a real mixed list would be.
 */
export function allowlistRanges(count: number, v6 = false): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count - 1; i++) {
    if (v6 && i % 2 === 1) {
      out.push(`2001:${(0x1000 + (i >> 15)).toString(16)}:${((i & 0x7fff) * 2).toString(16)}::/48`);
    } else {
      const block = 0x0b000000 + i * 512; // 11.0.0.0 upward, one /24 every 512 addresses
      out.push(`${block >>> 24}.${(block >>> 16) & 255}.${(block >>> 8) & 255}.0/24`);
    }
  }
  out.push('127.0.0.1/32');
  return out;
}

/** The guard the issue measures: memory key store with one key, 100k-range allowlist, PII gate, encrypted memory cache. */
export async function benchGuard(allowlistSize = 100_000): Promise<{ guard: Guard; key: string }> {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 'bench', scopes: ['cache:read', 'cache:write', 'analytics:read'], tenant: 'bench' });
  const guard = createGuard({
    environment: 'dev',
    keys,
    cache: new MemoryCacheStore(),
    ipAllowlist: allowlistRanges(allowlistSize, true),
    encryption: { secret: BENCH_SECRET },
    // Every request comes from one address: lockout must never trip during a run.
    lockout: { maxFailures: 1_000_000_000 },
  });
  await guard.ready();
  return { guard, key };
}

/**
 * Listens on an ephemeral loopback port and prints one JSON line `{ port, key?, readyUs }` for
 * the parent (`readyUs` is the monotonic clock, to cut start-up out of a CPU profile). SIGTERM
 * exits through process.exit so that `--cpu-prof` still writes its profile; SIGUSR2 prints `{ cpuUs }`.
 */
export async function serve(server: Server, key?: string): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const readyUs = Number(process.hrtime.bigint() / 1000n);
  process.stdout.write(`${JSON.stringify({ port, key, readyUs })}\n`);
  process.on('SIGTERM', () => process.exit(0));
  // Asked by cpu-per-request.ts: this process's own CPU time so far, one JSON line.
  process.on('SIGUSR2', () => {
    const used = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuUs: used.user + used.system })}\n`);
  });
}

/** The mode argument, checked. */
export function modeArg(allowed: readonly ServerMode[]): ServerMode {
  const mode = process.argv[2] as ServerMode;
  if (!allowed.includes(mode)) {
    process.stderr.write(`usage: <server> ${allowed.join('|')}\n`);
    process.exit(2);
  }
  return mode;
}
