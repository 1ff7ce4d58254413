// Two detector instances sharing one RedisCounterStore: counts add up across instances and each alarm is raised once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { GuardEvent } from '@vectorcache/core';
import { RedisCounterStore } from '../../packages/redis/src/index.js';
import { createSuspicionDetector, simhash64, type SuspicionOptions } from '@vectorcache/core';
import { REDIS_URL, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, uniquePrefix } from '../stores/redis-helpers.js';

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

const OPTIONS: SuspicionOptions = {
  authFailures: { threshold: 10, windowMs: 60_000 },
  credentialStuffing: { threshold: 6, windowMs: 60_000 },
  retiredKey: { threshold: 4, windowMs: 60_000 },
  newNetwork: { learnNetworks: 2, windowMs: 86_400_000 },
  scopeDenials: { threshold: 6, windowMs: 60_000 },
  cacheProbing: { threshold: 12, windowMs: 60_000 },
  lockout: ['authFailures'],
};

describe.skipIf(!redisAvailable)('suspicious-activity detector across two instances (Redis)', () => {
  const prefix = uniquePrefix();
  const storeA = new RedisCounterStore({ url: REDIS_URL, prefix });
  const storeB = new RedisCounterStore({ url: REDIS_URL, prefix });
  const raised: Array<GuardEvent & { by: string }> = [];
  const detector = (by: string, store: RedisCounterStore) =>
    createSuspicionDetector(OPTIONS, store, (type, fields) => raised.push({ type, at: new Date().toISOString(), by, ...fields }));
  const a = detector('A', storeA);
  const b = detector('B', storeB);
  const of = (type: string) => raised.filter((e) => e.type === type);
  /** Sends events alternately through A and B, concurrently in pairs. */
  async function alternate(events: Array<{ type: string } & Record<string, unknown>>) {
    const results = [];
    for (let i = 0; i < events.length; i += 2) {
      const pair = events.slice(i, i + 2).map((e, j) => (j === 0 ? a : b).observe({ at: new Date().toISOString(), ...e } as GuardEvent));
      results.push(...(await Promise.all(pair)));
    }
    return results;
  }
  const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  beforeAll(async () => { await Promise.all([storeA.init(), storeB.init()]); });
  afterAll(async () => {
    await Promise.all([storeA.shutdown(), storeB.shutdown()]);
    const admin = new Redis(REDIS_URL);
    await deletePrefix(admin, prefix);
    await admin.quit();
  });

  it('auth failures split over both instances reach the threshold once, and one instance returns the lockout', async () => {
    const results = await alternate(times(16, () => ({ type: 'auth.failure', clientAddress: '198.51.100.20', code: 'invalid_api_key' })));
    expect(of('suspicious.auth_failure_burst')).toHaveLength(1);
    expect(of('suspicious.auth_failure_burst')[0]).toMatchObject({ failures: 10, windowMs: 60_000 });
    expect(results.filter((r) => r.lockout)).toEqual([{ lockout: { clientAddress: '198.51.100.20', reason: 'suspicious.auth_failure_burst' } }]);
  });

  it('credential stuffing: distinct keys seen by A and by B add up', async () => {
    await alternate(times(8, (i) => ({ type: 'auth.failure', clientAddress: '198.51.100.21', code: 'invalid_api_key', keyHint: `vc_prod_${i}x…y${i}` })));
    expect(of('suspicious.credential_stuffing')).toEqual([expect.objectContaining({ clientAddress: '198.51.100.21', distinctKeys: 6 })]);
  });

  it('retired key reuse and scope denial bursts across instances', async () => {
    await alternate(times(4, (i) => ({ type: 'suspicious.retired_key_used', keyId: 'key_retired', clientAddress: `192.0.2.${i + 1}` })));
    await alternate(times(7, () => ({ type: 'auth.scope_denied', keyId: 'key_scoped', clientAddress: '10.0.0.9', scope: 'keys:admin' })));
    // A and B observe each pair at the same moment, so either may cross the threshold first and
    // report its own count; what must hold is one alarm, raised at or past the threshold.
    const reuse = of('suspicious.retired_key_reuse');
    expect(reuse).toEqual([expect.objectContaining({ keyId: 'key_retired' })]);
    expect(reuse[0]!.uses).toBeGreaterThanOrEqual(3);
    expect(reuse[0]!.uses).toBeLessThanOrEqual(4);
    expect(reuse[0]!.addresses).toBeGreaterThanOrEqual(3);
    expect(reuse[0]!.addresses).toBeLessThanOrEqual(4);
    const burst = of('suspicious.scope_denial_burst');
    expect(burst).toEqual([expect.objectContaining({ keyId: 'key_scoped' })]);
    expect(burst[0]!.denials).toBeGreaterThanOrEqual(6);
    expect(burst[0]!.denials).toBeLessThanOrEqual(7);
  });

  it('a network learnt through A is known to B; a new one after the learning allowance alarms once', async () => {
    const seen = (address: string) => ({ type: 'request.authenticated', keyId: 'key_roaming', clientAddress: address });
    await a.observe({ at: '', ...seen('203.0.113.10') });
    await b.observe({ at: '', ...seen('203.0.113.99') });
    await b.observe({ at: '', ...seen('198.51.100.1') });
    await a.observe({ at: '', ...seen('198.51.100.77') });
    expect(of('suspicious.new_network_for_key')).toHaveLength(0);
    await Promise.all([a.observe({ at: '', ...seen('192.0.2.200') }), b.observe({ at: '', ...seen('192.0.2.201') })]);
    expect(of('suspicious.new_network_for_key')).toEqual([expect.objectContaining({ keyId: 'key_roaming', network: '192.0.2.0/24', knownNetworks: 2 })]);
  });

  it('cache probing: near-identical prompts of one tenant spread over both instances', async () => {
    const prompt = (n: number) => `Is there a cached answer about the invoice number ${n} for the customer Smith in the Berlin office?`;
    await alternate(times(11, (i) => ({ type: 'cache.lookup', tenant: 'acme', promptSimhash: simhash64(prompt(i)), promptKey: `entry-${i}` })));
    expect(of('suspicious.cache_probing')).toHaveLength(0);
    await alternate(times(4, (i) => ({ type: 'cache.lookup', tenant: 'acme', promptSimhash: simhash64(prompt(100 + i)), promptKey: `entry-${100 + i}` })));
    const probing = of('suspicious.cache_probing');
    expect(probing).toEqual([expect.objectContaining({ tenant: 'acme' })]);
    expect(probing[0]!.variants).toBeGreaterThanOrEqual(12);
    expect(probing[0]!.variants).toBeLessThanOrEqual(13);
  });

  it('Redis holds no address, key hint or prompt in its key names or set members', async () => {
    const admin = new Redis(REDIS_URL);
    try {
      const dump = await dumpPrefix(admin, prefix);
      expect(dump.length).toBeGreaterThan(0);
      expect(dump).not.toMatch(/198\.51\.100|203\.0\.113|vc_prod_|invoice|Smith/);
    } finally {
      await admin.quit();
    }
  });
});
