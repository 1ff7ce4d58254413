// In-process tests of the gate: option validation, failure policy, key hygiene, cache-key canonicalisation.
import { describe, expect, it } from 'vitest';
import { createGuard, type GuardRequest, type PassDecision } from './guard.js';
import { canonicalJson, cacheKey } from './canonical.js';
import { createKey, MemoryKeyStore } from './keys/index.js';
import { MemoryCacheStore } from './stores/index.js';
import type { CacheStore, CounterStore, GuardEvent, KeyStore } from './types.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';

function view(key: string | undefined, body: unknown = { model: 'm', messages: [{ role: 'user', content: 'hello' }] }, extra: Partial<GuardRequest> = {}): GuardRequest {
  return {
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false, body,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...extra,
  };
}

async function setup(extra: Record<string, unknown> = {}, createdAt?: Date) {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme', now: createdAt });
  const events: GuardEvent[] = [];
  const guard = createGuard({
    environment: 'dev', keys, encryption: { secret: SECRET, iterations: 1000 }, onEvent: (e) => events.push(e),
    silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS', 'VC_SHARED_STORE'], ...extra,
  });
  return { guard, key, keys, events };
}

describe('option validation (at construction)', () => {
  const keys = new MemoryKeyStore();
  it('names an unknown option and suggests the right one', () => {
    expect(() => createGuard({ keys, ipAllowlst: ['10.0.0.0/8'] } as never)).toThrow(/option `ipAllowlst`.*Did you mean `ipAllowlist`/);
  });
  it('requires a key store', () => {
    expect(() => createGuard({} as never)).toThrow(/option `keys`/);
  });
  it('refuses prod without encryption, and names the fix', () => {
    expect(() => createGuard({ keys, environment: 'prod' })).toThrow(/option `encryption`.*openssl rand -hex 32/);
  });
  it('refuses a short secret in prod', () => {
    expect(() => createGuard({ keys, environment: 'prod', encryption: { secret: 'short' } })).toThrow(/encryption/);
  });
  it('validates nested lockout options and durations', () => {
    expect(() => createGuard({ keys, lockout: { maxFailure: 3 } as never })).toThrow(/lockout\.maxFailure.*Did you mean `maxFailures`/);
    expect(() => createGuard({ keys, retention: '30 days' })).toThrow(/option `retention`/);
    expect(() => createGuard({ keys, maxBodyBytes: -1 })).toThrow(/option `maxBodyBytes`/);
    expect(() => createGuard({ keys, environment: 'Prod' })).toThrow(/option `environment`/);
  });
  it('reports a bad allowlist entry at start-up', () => {
    expect(() => createGuard({ keys, ipAllowlist: ['0.0.0.0/0'] })).toThrow(/ipAllowlist/);
    expect(() => createGuard({ keys, ipAllowlist: ['10.0.0.1/8'] })).toThrow(/10\.0\.0\.0\/8/);
  });
});

describe('failure policy', () => {
  it('a key store that throws → 503 key_store_unavailable (fails closed)', async () => {
    const broken: KeyStore = {
      findByHash: () => { throw new Error('down'); }, findById: () => undefined, list: () => [], insert: () => undefined, update: () => undefined,
    };
    const { key } = await setup();
    const guard = createGuard({ keys: broken, cache: false });
    const decision = await guard.handle(view(key));
    expect(decision.kind).toBe('deny');
    if (decision.kind === 'deny') {
      expect(decision.problem.code).toBe('key_store_unavailable');
      expect(decision.status).toBe(503);
      expect(decision.headers['retry-after']).toBe('1');
    }
  });

  it('a cache store that throws or hangs → bypass cache_unavailable (fails open)', async () => {
    const hanging = new MemoryCacheStore() as unknown as CacheStore;
    hanging.get = () => new Promise(() => undefined);
    const { guard, key, events } = await setup({ cache: hanging, cacheTimeoutMs: 20 });
    const decision = (await guard.handle(view(key))) as PassDecision;
    expect(decision.kind).toBe('pass');
    expect(decision.cacheStatus).toBe('bypass');
    expect(decision.reasons).toEqual(['cache_unavailable']);
    expect(decision.ticket).toBeUndefined();
    expect(events.some((e) => e.type === 'cache.unavailable')).toBe(true);
  });

  it('a counter store that throws: keys are still verified (bad ones refused), or 503 with whenUnavailable: deny', async () => {
    const broken: CounterStore = { increment: () => { throw new Error('x'); }, get: () => { throw new Error('x'); }, reset: () => undefined };
    const auth = await setup({ counters: broken });
    expect((await auth.guard.handle(view(auth.key))).kind).toBe('pass');
    const bad = await auth.guard.handle(view('vc_dev_garbage'));
    expect(bad.kind === 'deny' && bad.problem.code).toBe('malformed_api_key');
    expect(auth.events.some((e) => e.type === 'counters.unavailable')).toBe(true);
    const strict = await setup({ counters: broken, lockout: { whenUnavailable: 'deny' } });
    const denied = await strict.guard.handle(view(strict.key));
    expect(denied.kind === 'deny' && denied.status).toBe(503);
  });

  it('a tampered entry is a miss, deleted, and raises cache.integrity_failure', async () => {
    const cache = new MemoryCacheStore();
    const { guard, key, events } = await setup({ cache });
    const first = (await guard.handle(view(key))) as PassDecision;
    await guard.complete(first.ticket!, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"answer":"hi"}' }).done;
    const all: Array<[string, import('./types.js').StoredEntry]> = [];
    for await (const pair of cache.entries()) all.push(pair);
    const [entryKey, entry] = all[0]!;
    cache.set(entryKey!, { ...entry!, response: entry!.response.slice(0, -4) + 'AAAA' }, 60_000);
    const second = await guard.handle(view(key));
    expect(second.kind).toBe('pass');
    expect(events.some((e) => e.type === 'cache.integrity_failure')).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(cache.get(entryKey!)).toBeUndefined();
  });
});

describe('entry integrity', () => {
  async function storeAnswer(guard: Awaited<ReturnType<typeof setup>>['guard'], key: string, content: string, answer: string) {
    const d = (await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content }] }))) as PassDecision;
    await guard.complete(d.ticket!, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answer }) }).done;
    return d.ticket!.key;
  }

  it('an answer moved from another entry of the same tenant is not served', async () => {
    const cache = new MemoryCacheStore();
    const { guard, key, events } = await setup({ cache });
    const a = await storeAnswer(guard, key, 'question A', 'answer A');
    const b = await storeAnswer(guard, key, 'question B', 'answer B');
    cache.set(b, { ...cache.get(a)! }, 60_000);
    const decision = await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content: 'question B' }] }));
    expect(decision.kind).toBe('pass');
    expect(events.some((e) => e.type === 'cache.integrity_failure')).toBe(true);
  });

  it('an entry written without a binding (older version) is checked against its stored prompt, and gains a binding', async () => {
    const cache = new MemoryCacheStore();
    const { guard, key, events } = await setup({ cache });
    const a = await storeAnswer(guard, key, 'question A', 'answer A');
    const b = await storeAnswer(guard, key, 'question B', 'answer B');
    const { bind: _dropped, ...unboundA } = cache.get(a)!;
    cache.set(b, { ...unboundA }, 60_000);
    cache.set(a, { ...unboundA }, 60_000);
    const moved = await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content: 'question B' }] }));
    expect(moved.kind).toBe('pass');
    expect(events.filter((e) => e.type === 'cache.integrity_failure')).toHaveLength(1);
    const own = await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content: 'question A' }] }));
    expect(own.kind).toBe('respond');
    await new Promise((r) => setTimeout(r, 20));
    expect(cache.get(a)!.bind).toMatch(/^[\w-]{43}$/);
  });

  it('a store that reports a corrupt entry gives a miss (not cache_unavailable), an event and a delete', async () => {
    const cache = new MemoryCacheStore();
    const deleted: string[] = [];
    const store = Object.assign(Object.create(cache) as CacheStore, {
      get: () => { throw Object.assign(new Error('bad json'), { name: 'CorruptEntryError' }); },
      delete: (k: string) => { deleted.push(k); return true; },
    });
    const { guard, key, events } = await setup({ cache: store });
    const decision = (await guard.handle(view(key))) as PassDecision;
    expect(decision.cacheStatus).toBe('miss');
    expect(events.some((e) => e.type === 'cache.integrity_failure')).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(deleted).toHaveLength(1);
  });
});

describe('suspicious activity through the guard', () => {
  it('near-identical missed prompts of one tenant raise suspicious.cache_probing when enabled', async () => {
    const { guard, key, events } = await setup({ suspicious: { cacheProbing: { threshold: 4, windowMs: 60_000 } } });
    for (let i = 0; i < 6; i++) {
      await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content: `What is the balance of the account with the number ${1000 + i} at the Berlin branch today?` }] }));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(events.filter((e) => e.type === 'suspicious.cache_probing')).toHaveLength(1);
  });
  it('is off by default (no fingerprint per miss)', async () => {
    const { guard, key, events } = await setup();
    for (let i = 0; i < 60; i++) {
      await guard.handle(view(key, { model: 'm', messages: [{ role: 'user', content: `What is the balance of the account with the number ${1000 + i} at the Berlin branch today?` }] }));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(events.filter((e) => e.type === 'suspicious.cache_probing')).toHaveLength(0);
  });
});

describe('erase across instances', () => {
  it('a write in flight on one instance does not survive an erase made on another', async () => {
    const cache = new MemoryCacheStore();
    const counters = new (await import('./stores/index.js')).MemoryCounterStore();
    const a = await setup({ cache, counters });
    const b = createGuard({
      environment: 'dev', keys: a.keys, cache, counters, encryption: { secret: SECRET, iterations: 1000 },
      silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS', 'VC_SHARED_STORE'],
    });
    const request = view(a.key, undefined, { headers: { authorization: `Bearer ${a.key}`, 'x-vectorcache-subject': 'alice' } });
    const pending = (await b.handle(request)) as PassDecision;
    expect(pending.ticket).toBeDefined();
    // Instance A erases alice while B's upstream call is still running; B's answer arrives afterwards.
    await a.guard.privacy.erase({ tenant: 'acme', subject: 'alice' });
    await b.complete(pending.ticket!, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"answer":"late"}' }).done;
    expect(cache.size().entries).toBe(0);
    const again = (await b.handle(request)) as PassDecision;
    expect(again.cacheStatus).toBe('miss');
  });
});

describe('key store changes seen by the guard', () => {
  it('reports keys created, rotated and revoked elsewhere, and keys about to expire', async () => {
    const { guard, keys, events } = await setup();
    await createKey(keys, { environment: 'dev', name: 'soon', scopes: ['cache:read'], expiresInMs: 3 * 86_400_000 });
    await guard.ready();
    const { rotateKey, revokeKey } = await import('./keys/index.js');
    const made = await createKey(keys, { environment: 'dev', name: 'new', scopes: ['cache:read'], tenant: 'acme' });
    const rotated = await rotateKey(keys, made.record.id, { graceMs: 60_000 });
    await revokeKey(keys, rotated.record.id);
    await new Promise((r) => setTimeout(r, 20));
    const types = events.map((e) => e.type);
    expect(types).toContain('key.created');
    expect(events.find((e) => e.type === 'key.rotated')).toMatchObject({ keyId: made.record.id, successorId: rotated.record.id });
    expect(events.find((e) => e.type === 'key.revoked')).toMatchObject({ keyId: rotated.record.id });
    expect(events.filter((e) => e.type === 'key.expiring')).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(made.key);
    await guard.close();
  });
});

describe('key hygiene', () => {
  it('a key older than the rotation policy gets a Warning header and one key.rotation_due event', async () => {
    const { guard, key, events } = await setup({}, new Date(Date.now() - 100 * 86_400_000));
    const a = await guard.handle(view(key));
    const b = await guard.handle(view(key));
    expect(a.headers.warning).toMatch(/^299 vectorcache "API key key_\w+ is older than 90 days; rotate it"$/);
    expect(b.headers.warning).toBeDefined();
    expect(events.filter((e) => e.type === 'key.rotation_due')).toHaveLength(1);
  });
  it('maxKeyAge refuses older keys with key_expired', async () => {
    const { guard, key } = await setup({ maxKeyAge: '30d' }, new Date(Date.now() - 31 * 86_400_000));
    const decision = await guard.handle(view(key));
    expect(decision.kind === 'deny' && decision.problem.code).toBe('key_expired');
  });
  it('a fresh key carries no Warning', async () => {
    const { guard, key } = await setup();
    expect((await guard.handle(view(key))).headers.warning).toBeUndefined();
  });
});

describe('two guards sharing one store', () => {
  it('warns once with a code', async () => {
    const cache = new MemoryCacheStore();
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (o: object) => { warnings.push((o as { code: string }).code); } };
    const keys = new MemoryKeyStore();
    createGuard({ keys, cache, logger, silenceWarnings: ['VC_NO_ENCRYPTION'] });
    createGuard({ keys, cache, logger, silenceWarnings: ['VC_NO_ENCRYPTION'] });
    expect(warnings).toEqual(['VC_SHARED_STORE']);
  });
});

describe('canonical cache keys', () => {
  const ignore = new Set(['stream', 'user']);
  it('ignores key order at every depth and transport-only top-level fields', () => {
    const a = canonicalJson({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0 }, ignore);
    const b = canonicalJson({ temperature: 0, stream: false, user: 'u', messages: [{ content: 'x', role: 'user' }], model: 'm' }, ignore);
    expect(a).toBe(b);
  });
  it('keeps nested fields of the same name as ignored top-level ones', () => {
    expect(canonicalJson({ a: { user: 1 } }, ignore)).toBe('{"a":{"user":1}}');
  });
  it('separates tenants, subjects, models and routes', () => {
    const key = new Uint8Array(32);
    const base = { tenant: 'a', route: 'POST /x', model: 'm', canonical: '{}' };
    const names = new Set([
      cacheKey(key, base), cacheKey(key, { ...base, tenant: 'b' }), cacheKey(key, { ...base, subject: 's' }),
      cacheKey(key, { ...base, model: 'n' }), cacheKey(key, { ...base, route: 'POST /y' }),
    ]);
    expect(names.size).toBe(5);
    expect(cacheKey(key, base)).toMatch(/^a:[0-9a-f]{64}$/);
  });
});
