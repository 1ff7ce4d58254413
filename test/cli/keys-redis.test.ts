// `vectorcache keys` with a Redis store: an unreachable Redis fails fast in one line, on one connection; a reachable one works without pub/sub.
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { RedisKeyStore } from '../../packages/redis/src/index.js';
import { run } from '../../packages/cli/src/main.js';
import type { CliIo } from '../../packages/cli/src/context.js';
import { REDIS_URL, deletePrefix, probeRedis, requireOrNotice, sparePort, uniquePrefix } from '../stores/redis-helpers.js';

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env, cwd: process.cwd() };
  const started = performance.now();
  const code = await run(argv, io);
  return { code, out, err, ms: performance.now() - started };
}

/** Anything the process itself would print, bypassing CliIo (a logger's util.inspect objects). */
function consoleSpies() {
  return (['log', 'info', 'warn', 'error'] as const).map((name) => vi.spyOn(console, name).mockImplementation(() => undefined));
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** A TCP server on an ephemeral port that records every connection; `hangUp` closes each at once. */
async function fakeRedis(hangUp: boolean) {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    if (hangUp) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port, sockets, close };
}

describe('vectorcache keys on an unreachable Redis', () => {
  it('nothing listening: exit 1 at once, one clear line, nothing else printed', async () => {
    const port = await sparePort();
    const spies = consoleSpies();
    const result = await cli(['keys', 'list', '--store', `redis://user:hunter2@127.0.0.1:${port}/0`]);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(`vectorcache: cannot connect to the Redis key store at 127.0.0.1:${port} (ECONNREFUSED)\n`);
    expect(result.ms).toBeLessThan(1_500);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('a server that hangs up: one connection only (no pub/sub subscriber, no reconnects)', async () => {
    const { port, sockets, close } = await fakeRedis(true);
    consoleSpies();
    try {
      const result = await cli(['keys', 'list', '--store', `redis://127.0.0.1:${port}/0`]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(new RegExp(`^vectorcache: cannot connect to the Redis key store at 127\\.0\\.0\\.1:${port} \\([^\\n]+\\)\\n$`));
      // Anything late (a subscriber, a reconnect) would arrive within this pause.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sockets).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('a server that accepts and never answers: cut off after 2 s, one line', async () => {
    const { port, sockets, close } = await fakeRedis(false);
    const spies = consoleSpies();
    try {
      const result = await cli(['keys', 'list', '--store', `redis://127.0.0.1:${port}/0`]);
      expect(result.code).toBe(1);
      expect(result.err).toBe(`vectorcache: cannot connect to the Redis key store at 127.0.0.1:${port} (no answer within 2000 ms)\n`);
      expect(result.ms).toBeLessThan(3_000);
      expect(sockets).toHaveLength(1);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      await close();
    }
  });
});

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('vectorcache keys on a reachable Redis', () => {
  it('creates and lists keys', async () => {
    const prefix = uniquePrefix();
    const env = { VECTORCACHE_REDIS_PREFIX: prefix };
    const admin = new Redis(REDIS_URL);
    try {
      const created = await cli(['keys', 'create', '--env', 'dev', '--name', 'ci', '--scopes', 'cache:read', '--store', REDIS_URL, '--json'], env);
      expect(created.code).toBe(0);
      const listed = await cli(['keys', 'list', '--store', REDIS_URL, '--json'], env);
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.out) as { keys: Array<{ id: string }> }).keys.map((k) => k.id)).toEqual([(JSON.parse(created.out) as { id: string }).id]);
    } finally {
      await deletePrefix(admin, prefix);
      admin.disconnect();
    }
  });

  it('RedisKeyStore `watch: false` (what the CLI uses) subscribes to nothing; the default subscribes', async () => {
    const admin = new Redis(REDIS_URL);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const stores: RedisKeyStore[] = [];
    try {
      const subscribers = async (prefix: string) => ((await admin.pubsub('NUMSUB', `${prefix}key:changes`)) as [string, number])[1];
      const unwatched = uniquePrefix();
      stores.push(new RedisKeyStore({ url: REDIS_URL, prefix: unwatched, watch: false, logger: quiet }));
      const watched = uniquePrefix();
      stores.push(new RedisKeyStore({ url: REDIS_URL, prefix: watched, logger: quiet }));
      await Promise.all(stores.map((s) => s.init()));
      expect(await subscribers(unwatched)).toBe(0);
      expect(await subscribers(watched)).toBe(1);
      expect(() => new RedisKeyStore({ url: REDIS_URL, watch: 'no' as unknown as boolean })).toThrow(/`watch` must be true or false/);
    } finally {
      await Promise.all(stores.map((s) => s.shutdown()));
      admin.disconnect();
    }
  });
});
