// Suspicious-activity detector on a MemoryCounterStore: each pattern, dedupe per window, lockout, options, failures.
import { describe, expect, it } from 'vitest';
import type { CounterStore, GuardEvent } from '../types.js';
import { MemoryCounterStore } from '../stores/index.js';
import { VectorcacheOptionError } from '../errors.js';
import { createSuspicionDetector, networkOf, type SuspicionOptions } from './suspicious.js';
import { simhash64 } from './simhash.js';

function setup(options?: SuspicionOptions, counters: CounterStore = new MemoryCounterStore()) {
  const raised: GuardEvent[] = [];
  const detector = createSuspicionDetector(options, counters, (type, fields) => raised.push({ type, at: new Date().toISOString(), ...fields }));
  const feed = async (events: Array<{ type: string } & Record<string, unknown>>) => {
    const results = [];
    for (const e of events) results.push(await detector.observe({ at: new Date().toISOString(), ...e } as GuardEvent));
    return results;
  };
  return { raised, detector, feed, of: (type: string) => raised.filter((e) => e.type === type) };
}

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('createSuspicionDetector', () => {
  it('auth failure burst per address, once per window, with the evidence', async () => {
    const { feed, of } = setup({ authFailures: { threshold: 5, windowMs: 60_000 } });
    await feed(times(4, () => ({ type: 'auth.failure', clientAddress: '198.51.100.7', code: 'invalid_api_key' })));
    expect(of('suspicious.auth_failure_burst')).toHaveLength(0);
    await feed(times(10, () => ({ type: 'auth.failure', clientAddress: '198.51.100.7', code: 'invalid_api_key', requestId: 'r1' })));
    await feed(times(4, () => ({ type: 'auth.failure', clientAddress: '198.51.100.8', code: 'invalid_api_key' })));
    const raised = of('suspicious.auth_failure_burst');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ clientAddress: '198.51.100.7', failures: 5, threshold: 5, windowMs: 60_000, requestId: 'r1' });
  });

  it('credential stuffing: distinct key hints from one address; repeating one key is not stuffing', async () => {
    const { feed, of } = setup({ credentialStuffing: { threshold: 4, windowMs: 60_000 }, authFailures: false });
    await feed(times(10, () => ({ type: 'auth.failure', clientAddress: '203.0.113.9', code: 'invalid_api_key', keyHint: 'vc_prod_aaaa…bbbb' })));
    expect(of('suspicious.credential_stuffing')).toHaveLength(0);
    await feed(times(5, (i) => ({ type: 'auth.failure', clientAddress: '203.0.113.9', code: 'invalid_api_key', keyHint: `vc_prod_${i}aaa…bbb${i}` })));
    expect(of('suspicious.credential_stuffing')).toEqual([expect.objectContaining({ clientAddress: '203.0.113.9', distinctKeys: 4, threshold: 4 })]);
  });

  it('retired key reuse: counts uses and distinct addresses per key', async () => {
    const { feed, of } = setup({ retiredKey: { threshold: 3, windowMs: 3_600_000 } });
    const use = (address: string) => ({ type: 'suspicious.retired_key_used', keyId: 'key_old', keyHint: 'vc_dev_ab…yz', tenant: 'acme', clientAddress: address, code: 'key_revoked' });
    await feed([use('192.0.2.1'), use('192.0.2.2')]);
    expect(of('suspicious.retired_key_reuse')).toHaveLength(0);
    await feed([use('198.51.100.3'), use('198.51.100.3')]);
    expect(of('suspicious.retired_key_reuse')).toEqual([expect.objectContaining({ keyId: 'key_old', keyHint: 'vc_dev_ab…yz', tenant: 'acme', uses: 3, addresses: 3 })]);
  });

  it('new network for a key: the first networks are learnt, a later one alarms; other hosts of a known /24 do not', async () => {
    const { feed, of } = setup({ newNetwork: { learnNetworks: 2, windowMs: 86_400_000 } });
    const seen = (address: string) => ({ type: 'request.authenticated', keyId: 'key_a', keyHint: 'vc_dev_k…', tenant: 'acme', clientAddress: address });
    await feed([seen('10.1.1.5'), seen('10.1.1.6'), seen('10.2.0.1'), seen('10.1.1.200'), seen('10.2.0.99')]);
    expect(of('suspicious.new_network_for_key')).toHaveLength(0);
    await feed([seen('192.0.2.44'), seen('192.0.2.45')]);
    expect(of('suspicious.new_network_for_key')).toEqual([expect.objectContaining({ keyId: 'key_a', network: '192.0.2.0/24', knownNetworks: 2, learnNetworks: 2, clientAddress: '192.0.2.44' })]);
    await feed([seen('2001:db8:1:2::1'), seen('2001:db8:1:ffff::9')]);
    expect(of('suspicious.new_network_for_key').map((e) => e.network)).toEqual(['192.0.2.0/24', '2001:db8:1::/48']);
    // Another key learns its own networks.
    await feed([{ ...seen('192.0.2.44'), keyId: 'key_b' }]);
    expect(of('suspicious.new_network_for_key')).toHaveLength(2);
  });

  it('knows a key and address once fed in this window, so the gate can skip them; never an unseen pair, never across windows', async () => {
    const { feed, of, detector } = setup({ newNetwork: { learnNetworks: 1, windowMs: 60_000 } });
    const seen = (keyId: string, address: string) => ({ type: 'request.authenticated', keyId, tenant: 'acme', clientAddress: address });
    expect(detector.knows!('key_a', '10.1.1.5')).toBe(false);
    await feed([seen('key_a', '10.1.1.5')]);
    expect(detector.knows!('key_a', '10.1.1.5')).toBe(true);
    // Same network, other host; same host, other key: still fed, because only the exact pair is known.
    expect(detector.knows!('key_a', '10.1.1.6')).toBe(false);
    expect(detector.knows!('key_b', '10.1.1.5')).toBe(false);
    // A known pair skipped by the gate must not hide a new network: that address is not known.
    expect(detector.knows!('key_a', '192.0.2.44')).toBe(false);
    await feed([seen('key_a', '192.0.2.44')]);
    expect(of('suspicious.new_network_for_key')).toHaveLength(1);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 60_000;
      expect(detector.knows!('key_a', '10.1.1.5')).toBe(false);
    } finally {
      Date.now = realNow;
    }
  });

  it('knows everything when the new-network pattern is off (nothing to learn from authentications)', () => {
    const { detector } = setup({ newNetwork: false });
    expect(detector.knows!('key_a', '10.1.1.5')).toBe(true);
  });

  it('scope denial burst per key', async () => {
    const { feed, of } = setup({ scopeDenials: { threshold: 3, windowMs: 60_000 } });
    await feed(times(5, () => ({ type: 'auth.scope_denied', keyId: 'key_s', clientAddress: '10.0.0.1', scope: 'privacy:admin' })));
    expect(of('suspicious.scope_denial_burst')).toEqual([expect.objectContaining({ keyId: 'key_s', denials: 3 })]);
  });

  it('cache probing: many distinct near-identical prompts of one tenant; repeats and unrelated prompts do not count', async () => {
    const { feed, of } = setup({ cacheProbing: { threshold: 10, windowMs: 60_000 } });
    const template = (n: number) => `Does the cache hold the answer for the employee with badge number ${n} in the finance department?`;
    const lookup = (text: string, tenant = 'acme', key?: string) => ({ type: 'cache.lookup', tenant, clientAddress: '10.9.9.9', promptSimhash: simhash64(text), promptKey: key ?? `k:${text}` });
    // The same prompt many times is popularity, not probing.
    await feed(times(30, () => lookup(template(1))));
    // Unrelated prompts.
    await feed(times(30, (i) => lookup(`Question ${'abcdefghijklmnopqrstuvwxyz'[i % 26]!.repeat(i + 1)} about topic ${['cats', 'tax', 'rust', 'jazz', 'golf'][i % 5]} number ${i}`)));
    expect(of('suspicious.cache_probing')).toHaveLength(0);
    // Another tenant probing does not count toward acme.
    await feed(times(9, (i) => lookup(template(100 + i), 'globex')));
    await feed(times(12, (i) => lookup(template(200 + i))));
    expect(of('suspicious.cache_probing')).toEqual([expect.objectContaining({ tenant: 'acme', variants: 10, hammingBound: 3 })]);
  });

  it('lockout is off by default and, when on, returns the address once per window', async () => {
    const off = setup({ authFailures: { threshold: 2, windowMs: 60_000 } });
    const results = await off.feed(times(3, () => ({ type: 'auth.failure', clientAddress: '10.0.0.2', code: 'invalid_api_key' })));
    expect(results.every((r) => r.lockout === undefined)).toBe(true);
    const on = setup({ authFailures: { threshold: 2, windowMs: 60_000 }, lockout: ['authFailures'] });
    const locked = await on.feed(times(4, () => ({ type: 'auth.failure', clientAddress: '10.0.0.2', code: 'invalid_api_key' })));
    expect(locked.map((r) => r.lockout)).toEqual([undefined, { clientAddress: '10.0.0.2', reason: 'suspicious.auth_failure_burst' }, undefined, undefined]);
    const notListed = setup({ scopeDenials: { threshold: 1, windowMs: 60_000 }, lockout: ['authFailures'] });
    expect((await notListed.feed([{ type: 'auth.scope_denied', keyId: 'k', clientAddress: '10.0.0.3' }]))[0]!.lockout).toBeUndefined();
  });

  it('ignores its own events, so feeding it every event cannot loop', async () => {
    const { feed, raised } = setup({ authFailures: { threshold: 1, windowMs: 60_000 } });
    await feed([{ type: 'suspicious.auth_failure_burst', clientAddress: '10.0.0.4' }, { type: 'pii.detected' }, { type: 'auth.failure', clientAddress: null }]);
    expect(raised).toHaveLength(0);
  });

  it('never throws when the counters fail, and reports it at most once a minute', async () => {
    const broken: CounterStore = {
      increment: () => Promise.reject(new Error('down')), get: () => Promise.reject(new Error('down')), reset: () => undefined,
      addToSet: () => Promise.reject(new Error('down')),
    };
    const { feed, raised } = setup(undefined, broken);
    expect(await feed(times(3, () => ({ type: 'auth.failure', clientAddress: '10.0.0.5', code: 'invalid_api_key' })))).toEqual([{}, {}, {}]);
    expect(raised.map((e) => e.type)).toEqual(['counters.unavailable']);
  });

  it('validates options with the option name and the fix', () => {
    const counters = new MemoryCounterStore();
    const bad: unknown[] = [
      { authFailures: { threshold: 0 } }, { authFailures: { windowMs: 1.5 } }, { cacheProbing: { treshold: 3 } }, { lockout: ['nope'] },
      { unknown: 1 }, { prefix: 'has space' }, 'yes',
    ];
    for (const options of bad) expect(() => createSuspicionDetector(options as SuspicionOptions, counters, () => undefined)).toThrow(VectorcacheOptionError);
    expect(() => createSuspicionDetector({ authFailures: { threshold: 0 } }, counters, () => undefined)).toThrow(/suspicious\.authFailures\.threshold/);
    const noSets: CounterStore = { increment: () => ({ count: 1, resetAt: 0 }), get: () => undefined, reset: () => undefined };
    expect(() => createSuspicionDetector(undefined, noSets, () => undefined)).toThrow(/addToSet/);
    expect(() => createSuspicionDetector({ credentialStuffing: false, retiredKey: false, cacheProbing: false }, noSets, () => undefined)).not.toThrow();
  });

  it('networkOf gives /24 and /48 networks and rejects garbage', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('::1')).toBe('0:0:0::/48');
    expect(networkOf('not an ip')).toBeUndefined();
  });
});
