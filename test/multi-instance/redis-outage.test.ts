// Fault test: an example server on a private redis-server that is killed mid-run and restarted, with keys managed by the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { generateApiKey } from '@vectorcache/core';
import { run } from '@vectorcache/cli';
import { hasRedisServerBinary, killRedisServer, requireOrNotice, scanKeys, sparePort, startRedisServer } from '../stores/redis-helpers.js';
import { call, chat, startExample, stopAll, until, type ExampleProcess, type Reply } from './processes.js';

const canRun = hasRedisServerBinary();
requireOrNotice(canRun, 'the redis-server binary');

/** Runs `vectorcache …` in-process; resolves to its JSON output (exit code 0 required). */
async function cli(...argv: string[]): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  const code = await run([...argv, '--json'], {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
  });
  if (code !== 0) throw new Error(`vectorcache ${argv.slice(0, 2).join(' ')} exited ${code}: ${err}`);
  return JSON.parse(out) as Record<string, unknown>;
}

function expectBypass(reply: Reply): void {
  expect(reply.status).toBe(200);
  expect(reply.cache).toBe('bypass');
  expect(reply.reason).toBe('cache_unavailable');
}

describe.skipIf(!canRun)('an example server while its Redis dies and comes back', () => {
  let redisServer: ChildProcess | undefined;
  let server: ExampleProcess;
  let port: number;
  let store: string;

  const create = async (name: string) => {
    const made = await cli('keys', 'create', '--env', 'dev', '--name', name, '--tenant', 'outage', '--scopes', 'cache:read,cache:write', '--store', store);
    return { key: made.key as string, id: made.id as string };
  };
  const entries = async () => {
    const redis = new Redis(port, '127.0.0.1');
    try { return (await scanKeys(redis, 'vc:{t:outage}:e:')).length; } finally { redis.disconnect(); }
  };

  beforeAll(async () => {
    port = await sparePort();
    // The CLI has no prefix option, so this private server (nothing else uses it) keeps the default prefix.
    store = `redis://127.0.0.1:${port}/0`;
    [redisServer, server] = await Promise.all([
      startRedisServer(port),
      startExample('express-chat', {
        VECTORCACHE_KEY_STORE: store,
        VECTORCACHE_CACHE: store,
        VECTORCACHE_ENCRYPTION_SECRET: 'outage-test-secret-0123456789abcdef0123',
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    try {
      await stopAll();
    } finally {
      if (redisServer) await killRedisServer(redisServer);
    }
  });

  it('bypasses the cache, fails closed on keys it cannot vouch for, never hangs, and recovers on its own', async () => {
    const user = await create('outage user');
    const other = await create('outage revoked');
    const cached = chat('cached before the outage');
    expect((await call(server.url, '/v1/chat/completions', { key: user.key, body: cached })).cache).toBe('miss');
    await until('entry written', 2_000, async () => (await entries()) === 1);
    expect((await call(server.url, '/v1/chat/completions', { key: user.key, body: cached })).cache).toBe('hit');

    // Revocation through the CLI reaches the running server (its pub/sub clears the local cache).
    expect((await call(server.url, '/v1/chat/completions', { key: other.key, body: cached })).status).toBe(200);
    await cli('keys', 'revoke', other.id, '--store', store);
    const revokedMs = await until('revocation seen', 3_000, async () =>
      (await call(server.url, '/v1/chat/completions', { key: other.key, body: cached })).code === 'key_revoked', 10);
    expect(revokedMs).toBeLessThan(1_000);

    // That revocation emptied the local cache, so this lookup goes to Redis and starts a fresh bound.
    expect((await call(server.url, '/v1/chat/completions', { key: user.key, body: cached })).cache).toBe('hit');
    const lookedUp = performance.now();
    await killRedisServer(redisServer!);
    redisServer = undefined;

    // Within RedisKeyStore's local bound (localCacheMs, 1000 ms by default) the known key still works;
    // the cache is down, so the model answers directly, even for a prompt that was cached.
    const during = [
      await call(server.url, '/v1/chat/completions', { key: user.key, body: chat('asked during the outage') }),
      await call(server.url, '/v1/chat/completions', { key: user.key, body: cached }),
    ];
    const withinBoundMs = performance.now() - lookedUp;
    for (const reply of during) expectBypass(reply);
    // An unknown key cannot be checked: fail closed, quickly.
    const unknown = await call(server.url, '/v1/chat/completions', { key: generateApiKey('dev').key, body: cached });
    expect(unknown.status).toBe(503);
    expect(unknown.code).toBe('key_store_unavailable');

    // Past the bound the key store no longer vouches for the known key either (the failure policy).
    await new Promise((r) => setTimeout(r, Math.max(0, lookedUp + 1_100 - performance.now())));
    const expired = await call(server.url, '/v1/chat/completions', { key: user.key, body: cached });
    expect(expired.status).toBe(503);
    expect(expired.code).toBe('key_store_unavailable');
    const slowest = Math.max(...[...during, unknown, expired].map((r) => r.ms));
    console.info(`[fault test] revocation via CLI seen after ${revokedMs.toFixed(1)} ms; during the outage: known key answered ${during.length}× as bypass (${withinBoundMs.toFixed(0)} ms after its lookup), slowest reply ${slowest.toFixed(1)} ms`);
    // No request waits on the dead Redis: each answers well within a second (the model takes 100 ms).
    expect(slowest).toBeLessThan(1_000);
    expect((await call(server.url, '/healthz')).status).toBe(200);

    // Same port, empty data (no persistence): the same server process reconnects by itself.
    redisServer = await startRedisServer(port);
    const fresh = await create('outage user after restart');
    const again = chat('asked after the restart');
    const recoveredMs = await until('requests cached again', 10_000, async () => {
      const reply = await call(server.url, '/v1/chat/completions', { key: fresh.key, body: again });
      expect(reply.status === 200 || reply.code === 'key_store_unavailable', `unexpected ${reply.status} ${reply.code}`).toBe(true);
      return reply.cache === 'miss';
    }, 100);
    await until('entry written after the restart', 2_000, async () => (await entries()) === 1);
    const hit = await call(server.url, '/v1/chat/completions', { key: fresh.key, body: again });
    expect(hit.status).toBe(200);
    expect(hit.cache).toBe('hit');
    console.info(`[fault test] cache and keys back ${recoveredMs.toFixed(0)} ms after redis-server answered again, no process restart`);
    expect(server.output()).not.toContain(fresh.key);
  }, 40_000);
});
