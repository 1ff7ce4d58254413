// Test helpers for Redis suites: availability probe, per-run key prefixes, raw key inspection, a private redis-server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** True when something answers PING with PONG within `ms`. */
export function probeRedis(port = 6379, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let buffer = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('\r\n')) finish(buffer.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });
}

/**
 * Makes a missing dependency loud: under CI a suite that registers the failure; on a laptop a
 * console notice (the caller then skips its suites with describe.skipIf).
 */
export function requireOrNotice(available: boolean, what: string): void {
  if (available) return;
  if (process.env.CI) {
    describe(`${what} (required under CI)`, () => {
      beforeAll(() => {
        throw new Error(`${what} is required when CI is set, but none is available`);
      });
      it('has its dependency', () => undefined);
    });
  } else {
    console.warn(`\n[vectorcache] NOTICE: ${what} not available — skipping these Redis suites. Set CI=1 to make this a failure.\n`);
  }
}

export const RUN_ID = Math.random().toString(36).slice(2, 10);
let n = 0;
/** A key prefix no other test or run uses. */
export function uniquePrefix(): string {
  return `vc-test-${RUN_ID}-${++n}:`;
}

/** Every key under a prefix, by SCAN (never KEYS). */
export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
}

export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port nobody listens on right now. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a throwaway redis-server (no persistence) and waits until it answers. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (await probeRedis(port, 200)) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

export async function killRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Every key under a prefix with its contents (strings, hash fields and values, set members) as one text. */
export async function dumpPrefix(client: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await scanKeys(client, prefix)) {
    const type = await client.type(key);
    const value =
      type === 'string' ? await client.get(key)
      : type === 'hash' ? JSON.stringify(await client.hgetall(key))
      : type === 'set' ? JSON.stringify(await client.smembers(key))
      : `<${type}>`;
    parts.push(`${key} = ${value}`);
  }
  return parts.join('\n');
}

/**
 * An admin connection for one describe block: opened before its tests; afterwards every key of this
 * run is removed and the test fails if any remains.
 */
export function useRedisAdmin(): { readonly admin: Redis } {
  let client: Redis | undefined;
  beforeAll(() => { client = new Redis(REDIS_URL); });
  afterAll(async () => {
    if (!client) return;
    await deletePrefix(client, `vc-test-${RUN_ID}-`);
    expect(await scanKeys(client, `vc-test-${RUN_ID}-`)).toEqual([]);
    await client.quit();
  });
  return { get admin() { if (!client) throw new Error('useRedisAdmin: used outside a test'); return client; } };
}
