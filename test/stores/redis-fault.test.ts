// Fault test: a private redis-server is killed and restarted under live stores; nothing hangs and everything recovers.
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { StoreUnavailableError } from '@vectorcache/core';
import { RedisCacheStore, RedisCounterStore, RedisKeyStore } from '../../packages/redis/src/index.js';
import { cacheKey, makeEntry, makeKeyRecord } from './suite.js';
import { hasRedisServerBinary, killRedisServer, requireOrNotice, sparePort, startRedisServer, uniquePrefix } from './redis-helpers.js';

const canRun = hasRedisServerBinary();
requireOrNotice(canRun, 'the redis-server binary');

const quiet = { info() {}, warn() {}, error() {} };

/** Awaits `run`, asserting it fails with StoreUnavailableError; returns how long that took. */
async function failsFast(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await run().then(
    () => undefined,
    (err: unknown) => err,
  );
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(StoreUnavailableError);
  return elapsed;
}

async function eventually<T>(run: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe.skipIf(!canRun)('Redis stores when Redis dies and comes back', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server) await killRedisServer(server);
  });

  it('fail fast while it is down, serve cached key lookups, and recover without being recreated', async () => {
    const port = await sparePort();
    server = await startRedisServer(port);
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniquePrefix();
    const cache = new RedisCacheStore({ url, prefix, logger: quiet });
    const keys = new RedisKeyStore({ url, prefix, logger: quiet, localCacheMs: 10_000 });
    const counters = new RedisCounterStore({ url, prefix, logger: quiet });
    await Promise.all([cache.init(), keys.init(), counters.init()]);

    const key = cacheKey('acme');
    await eventually(() => cache.set(key, makeEntry('acme'), 60_000), 5_000);
    expect(await eventually(() => cache.get(key), 5_000)).toBeDefined();
    const known = makeKeyRecord();
    await keys.insert(known);
    expect(await keys.findByHash(known.hash)).toEqual(known); // now in the local cache
    expect((await counters.increment('ip', 60_000)).count).toBe(1);

    // A frozen Redis (accepts nothing, refuses nothing) is the case where only our deadline helps.
    server.kill('SIGSTOP');
    try {
      const frozen = [await failsFast(() => cache.get(key)), await failsFast(() => keys.findById('key_unknown'))];
      for (const ms of frozen) expect(ms).toBeLessThan(1_000);
      expect(await keys.findByHash(known.hash)).toEqual(known);
      console.info(`[fault test] frozen Redis: cache get failed after ${frozen[0]!.toFixed(1)} ms, key lookup after ${frozen[1]!.toFixed(1)} ms`);
    } finally {
      server.kill('SIGCONT');
    }
    expect(await eventually(() => cache.get(key), 5_000)).toBeDefined();

    await killRedisServer(server);

    const timings = [
      await failsFast(() => cache.get(key)),
      await failsFast(() => cache.set(cacheKey('acme'), makeEntry('acme'), 60_000)),
      await failsFast(() => cache.delete(key)),
      await failsFast(() => keys.findByHash(makeKeyRecord().hash)),
      await failsFast(() => counters.increment('ip', 60_000)),
    ];
    // Give the client time to notice and start reconnecting, then check the bound holds there too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    timings.push(await failsFast(() => cache.get(key)), await failsFast(() => keys.findById('key_unknown')));
    for (const ms of timings) expect(ms).toBeLessThan(1_000);
    console.info(`[fault test] slowest failing call while Redis was down: ${Math.max(...timings).toFixed(1)} ms`);
    // A key looked up before the outage is still answered, within its local bound.
    expect(await keys.findByHash(known.hash)).toEqual(known);

    server = await startRedisServer(port);
    // Same store objects: they reconnect on their own (the new server is empty: no persistence).
    await eventually(() => cache.set(key, makeEntry('acme'), 60_000), 10_000);
    // Healthy-path calls still have a 50 ms budget; on a loaded CI machine one may miss it, so retry.
    expect(await eventually(() => cache.get(key), 5_000)).toBeDefined();
    const fresh = makeKeyRecord();
    await eventually(() => keys.insert(fresh), 10_000);
    expect(await keys.findByHash(fresh.hash)).toEqual(fresh);
    expect((await eventually(() => counters.increment('ip', 60_000), 10_000)).count).toBe(1);

    await Promise.all([cache.shutdown(), keys.shutdown(), counters.shutdown()]);
  });
});
