// Retention: every entry's lifetime is capped by `retention`; a client max-age can shorten it, never extend it.
import { describe, expect, it } from 'vitest';
import { createGuard, MemoryCacheStore, type Guard, type GuardOptions } from '@vectorcache/core';
import { ask, freshKeys, SECRET, sleep } from './helpers.js';

async function guardWith(extra: Partial<GuardOptions>): Promise<{ guard: Guard; key: string }> {
  const keys = await freshKeys();
  const guard = createGuard({
    environment: 'dev', keys: keys.store, cache: new MemoryCacheStore(), encryption: { secret: SECRET, iterations: 1000 },
    silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'], ...extra,
  });
  await guard.ready();
  return { guard, key: keys.full };
}

/** Lifetime of the one entry a subject has, from the export (created → expires). */
async function lifetimeMs(guard: Guard, subject: string): Promise<number> {
  const { entries } = await guard.privacy.export({ tenant: 'acme', subject });
  expect(entries).toHaveLength(1);
  return Date.parse(entries[0]!.expires) - Date.parse(entries[0]!.created);
}

describe('retention', () => {
  it('caps every entry\'s TTL; a larger max-age or ttl never extends it, a smaller max-age shortens it', async () => {
    const { guard, key } = await guardWith({ retention: '10m', ttl: '1h' });
    await ask(guard, key, 'plain', 'no cache-control');
    await ask(guard, key, 'long', 'max-age a day', { 'cache-control': 'max-age=86400' });
    await ask(guard, key, 'short', 'max-age 90s', { 'cache-control': 'max-age=90' });
    expect(await lifetimeMs(guard, 'plain')).toBe(600_000);
    expect(await lifetimeMs(guard, 'long')).toBe(600_000);
    expect(await lifetimeMs(guard, 'short')).toBe(90_000);
    await guard.close();
  });

  it('entries are gone once max-age (shorter) or retention (shorter) has passed', async () => {
    const long = await guardWith({ retention: '10m' });
    const short = await guardWith({ retention: '1s' });
    expect(await ask(long.guard, long.key, 'A', 'one second please', { 'cache-control': 'max-age=1' })).toBe('miss');
    expect(await ask(long.guard, long.key, 'A', 'keep me')).toBe('miss');
    expect(await ask(short.guard, short.key, 'A', 'an hour please', { 'cache-control': 'max-age=3600' })).toBe('miss');
    expect(await ask(long.guard, long.key, 'A', 'one second please', { 'cache-control': 'max-age=1' })).toBe('hit');
    expect(await ask(short.guard, short.key, 'A', 'an hour please', { 'cache-control': 'max-age=3600' })).toBe('hit');

    await sleep(1_100);
    expect(await ask(long.guard, long.key, 'A', 'one second please', { 'cache-control': 'no-store' })).toBe('miss');
    expect(await ask(short.guard, short.key, 'A', 'an hour please', { 'cache-control': 'no-store' })).toBe('miss');
    expect(await ask(long.guard, long.key, 'A', 'keep me')).toBe('hit');
    // Expired entries are not exported either.
    expect((await short.guard.privacy.export({ tenant: 'acme', subject: 'A' })).entries).toEqual([]);
    await long.guard.close();
    await short.guard.close();
  });
});
