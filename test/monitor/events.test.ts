// Over real HTTP on Express, Koa and Fastify: each event type is raised by its situation, and no event or log line leaks.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import {
  createKey, generateApiKey, MemoryCacheStore, MemoryCounterStore, MemoryVectorIndex, offlineEmbedder,
  type CacheStore, type CounterStore, type Embedder, type GuardEvent, type KeyStore,
} from '@vectorcache/core';
import { EVENT_CATALOGUE } from '@vectorcache/core';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';

const SECRET = 'conformance-secret-conformance-secret-0123';
const EMAIL = 'jane.doe.monitor@example.com';
const CARD = '4111 1111 1111 1111';
const SUBJECT = 'subject-alice-7731@example.org';
const QUESTION = 'How do I reset my quorbel token in the settings page?';
const REPHRASED = 'How can I reset my quorbel token in settings page?';

/** The offline embedder, failing while `down` is set. */
function breakableEmbedder(down: { on: boolean }): Embedder {
  const offline = offlineEmbedder();
  return {
    id: offline.id, version: offline.version, dimensions: offline.dimensions,
    embed(texts, options) {
      if (down.on) throw new Error('embedder down (test)');
      return offline.embed(texts, options);
    },
  };
}

/** A store wrapper whose calls fail while `down` is set. */
function breakable<T extends object>(inner: T, methods: Array<keyof T>): { store: T; down: { on: boolean } } {
  const down = { on: false };
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (methods.includes(name as keyof T)) {
        return (...args: unknown[]) => {
          if (down.on) throw new Error('store down (test)');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store, down };
}

function capture(): { logger: ReturnType<typeof pino>; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const DETECTOR_UNTESTED_HERE = new Set(['suspicious.new_network_for_key', 'suspicious.cache_probing']);

for (const adapter of ['express', 'koa', 'fastify'] as AdapterName[]) {
  describe(`${adapter}: security events`, () => {
    let keys: Keys;
    let app: App;
    let lockoutApp: App;
    let httpsApp: App;
    let semanticApp: App;
    let semanticCache: MemoryCacheStore;
    let vectors: MemoryVectorIndex;
    const embedderDown = { on: false };
    let cache: MemoryCacheStore;
    let cacheDown: { on: boolean };
    let keysDown: { on: boolean };
    let countersDown: { on: boolean };
    let oldKey: string;
    let pinnedKey: string;
    const log = capture();
    const all: GuardEvent[] = [];
    const seen = (type: string) => all.filter((e) => e.type === type);

    beforeAll(async () => {
      keys = await makeKeys();
      oldKey = (await createKey(keys.store, { environment: 'dev', name: 'old', scopes: ['cache:read', 'cache:write'], tenant: 'acme', now: new Date(Date.now() - 100 * 86_400_000) })).key;
      pinnedKey = (await createKey(keys.store, { environment: 'dev', name: 'pinned', scopes: ['*'], tenant: 'acme', allowedIps: ['10.0.0.0/8'] })).key;
      cache = new MemoryCacheStore();
      const c = breakable<CacheStore>(cache, ['get', 'set']);
      const k = breakable<KeyStore>(keys.store, ['findByHash']);
      const n = breakable<CounterStore>(new MemoryCounterStore(), ['get', 'increment']);
      cacheDown = c.down;
      keysDown = k.down;
      countersDown = n.down;
      const emitted = (e: GuardEvent) => { all.push(e); };
      // The guard's own detector, with low thresholds so a few requests trip it.
      app = await startApp(adapter, baseOptions(keys, {
        keys: k.store, cache: c.store, counters: n.store, logger: log.logger, onEvent: emitted,
        suspicious: {
          authFailures: { threshold: 6, windowMs: 60_000 }, credentialStuffing: { threshold: 3, windowMs: 60_000 },
          retiredKey: { threshold: 2, windowMs: 60_000 }, scopeDenials: { threshold: 3, windowMs: 60_000 },
        },
      }));
      lockoutApp = await startApp(adapter, baseOptions(keys, { lockout: { maxFailures: 3, windowMs: 60_000 }, logger: log.logger, onEvent: emitted }));
      httpsApp = await startApp(adapter, baseOptions(keys, { httpsOnly: true, logger: log.logger, onEvent: emitted }));
      semanticCache = new MemoryCacheStore();
      const embedder = breakableEmbedder(embedderDown);
      vectors = new MemoryVectorIndex({ dimensions: embedder.dimensions });
      semanticApp = await startApp(adapter, baseOptions(keys, { cache: semanticCache, semantic: { embedder, index: vectors }, logger: log.logger, onEvent: emitted }));
    });
    afterAll(async () => { await Promise.all([app.close(), lockoutApp.close(), httpsApp.close(), semanticApp.close()]); });

    const post = (target: App, key: string | undefined, content: string, headers: Record<string, string> = {}) =>
      request(target.url).post('/v1/chat/completions').set({ ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers }).send(chat(content));

    it('auth.failure for a missing, malformed, unknown and wrong-environment key, with the code', async () => {
      expect((await post(app, undefined, 'x')).status).toBe(401);
      expect((await post(app, 'vc_dev_nope', 'x')).status).toBe(401);
      expect((await post(app, generateApiKey('dev').key, 'x')).status).toBe(401);
      expect((await post(app, keys.prod, 'x')).status).toBe(401);
      expect(seen('auth.failure').map((e) => e.code)).toEqual(expect.arrayContaining(['missing_api_key', 'malformed_api_key', 'invalid_api_key', 'wrong_environment']));
      const wrong = seen('auth.failure').find((e) => e.code === 'wrong_environment')!;
      expect(wrong).toMatchObject({ clientAddress: '127.0.0.1', keyHint: expect.stringMatching(/^vc_prod_/) });
      expect(typeof wrong.requestId).toBe('string');
      expect(typeof wrong.at).toBe('string');
    });

    it('auth.lockout when an address reaches the threshold', async () => {
      for (let i = 0; i < 4; i++) await post(lockoutApp, undefined, 'x');
      expect((await post(lockoutApp, keys.full, 'x')).status).toBe(429);
      expect(seen('auth.lockout')).toEqual([expect.objectContaining({ clientAddress: '127.0.0.1', failures: 3, windowMs: 60_000 })]);
    });

    it('auth.scope_denied on an admin route without its scope', async () => {
      const res = await request(app.url).get('/v1/vectorcache/stats').set('authorization', `Bearer ${keys.full}`);
      expect(res.status).toBe(403);
      expect(seen('auth.scope_denied')).toEqual([expect.objectContaining({ scope: 'analytics:read', tenant: 'acme', keyId: expect.stringMatching(/^key_/) })]);
    });

    it('ip.denied and suspicious.key_from_unexpected_network for a key pinned to another network', async () => {
      expect((await post(app, pinnedKey, 'x')).status).toBe(403);
      expect(seen('ip.denied')).toEqual([expect.objectContaining({ reason: 'key_allowlist', clientAddress: '127.0.0.1' })]);
      expect(seen('suspicious.key_from_unexpected_network')).toHaveLength(1);
    });

    it('key.exposed_over_http when a key reaches an HTTPS-only guard over plain HTTP', async () => {
      expect((await post(httpsApp, keys.full, 'x')).status).toBe(403);
      expect(seen('key.exposed_over_http')).toEqual([expect.objectContaining({ keyHint: expect.stringMatching(/^vc_dev_/), keyId: expect.stringMatching(/^key_/) })]);
    });

    it('key.rotation_due (and a Warning header) for a key older than the rotation policy', async () => {
      const res = await post(app, oldKey, 'rotation please');
      expect(res.status).toBe(200);
      expect(res.headers.warning).toMatch(/^299 vectorcache "API key key_\w+ is older than 90 days; rotate it"$/);
      await post(app, oldKey, 'rotation again');
      expect(seen('key.rotation_due')).toEqual([expect.objectContaining({ policyDays: 90, ageDays: 100 })]);
    });

    it('pii.detected with detector names and counts, never the values', async () => {
      const res = await post(app, keys.full, `mail me at ${EMAIL}, card ${CARD}, secret ${SECRET}, key ${keys.analytics}`);
      expect(res.headers['x-vectorcache-reason']).toBe('pii');
      const [event] = seen('pii.detected');
      expect(event).toMatchObject({ action: 'bypass', detectors: expect.objectContaining({ email: 1 }) });
    });

    it('pii.detected_in_response when the answer holds personal data (not stored)', async () => {
      app.backend.answer = () => ({ choices: [{ message: { role: 'assistant', content: `reach ${EMAIL}` } }] });
      try {
        const res = await post(app, keys.full, 'who do I contact?');
        expect(res.status).toBe(200);
        await eventually(() => seen('pii.detected_in_response').length === 1);
      } finally {
        app.backend.answer = undefined;
      }
    });

    it('cache.integrity_failure for a tampered entry; cache.unavailable when the store fails', async () => {
      const entries = () => (cache.size() as { entries: number }).entries;
      const before = entries();
      expect((await post(app, keys.full, 'tamper me')).headers['x-vectorcache-status']).toBe('miss');
      await eventually(() => entries() > before);
      for await (const [key, entry] of cache.entries()) await cache.set(key, { ...entry, response: 'garbage' }, 60_000);
      expect((await post(app, keys.full, 'tamper me')).headers['x-vectorcache-status']).toBe('miss');
      expect(seen('cache.integrity_failure').length).toBeGreaterThanOrEqual(1);
      cacheDown.on = true;
      try {
        const res = await post(app, keys.full, 'cache is down');
        expect(res.headers['x-vectorcache-reason']).toBe('cache_unavailable');
      } finally {
        cacheDown.on = false;
      }
      expect(seen('cache.unavailable')).toEqual([expect.objectContaining({ operation: 'get' })]);
    });

    it('cache.semantic_hit with the similarity and threshold, only for an answer actually served; never the text', async () => {
      expect((await post(semanticApp, keys.full, QUESTION)).headers['x-vectorcache-status']).toBe('miss');
      await eventually(() => vectors.stats().vectors === 1);
      const hit = await post(semanticApp, keys.full, REPHRASED);
      expect(hit.headers['x-vectorcache-match']).toBe('semantic');
      expect(seen('cache.semantic_hit')).toEqual([expect.objectContaining({
        tenant: 'acme', keyId: expect.stringMatching(/^key_/), keyHint: expect.stringMatching(/^vc_dev_/), threshold: 0.84, stream: false,
        similarity: expect.any(Number), requestId: hit.headers['x-request-id'],
      })]);
      expect(seen('cache.semantic_hit')[0]!.similarity).toBeGreaterThanOrEqual(0.84);
      // A candidate that fails its checks (a tampered entry) is no hit, so no hit event either.
      for await (const [key, entry] of semanticCache.entries()) await semanticCache.set(key, { ...entry, response: 'garbage' }, 60_000);
      const failures = seen('cache.integrity_failure').length;
      expect((await post(semanticApp, keys.full, `${REPHRASED} `)).headers['x-vectorcache-status']).toBe('miss');
      expect(seen('cache.integrity_failure').length).toBeGreaterThan(failures);
      expect(seen('cache.semantic_hit')).toHaveLength(1);
      expect(JSON.stringify(seen('cache.semantic_hit'))).not.toMatch(/quorbel|settings/);
    });

    it('semantic.unavailable with the reason when the embedder fails, once a minute per tenant and reason', async () => {
      const skipped = () => semanticApp.guard.stats('acme').semanticSkipped;
      embedderDown.on = true;
      try {
        for (const [i, text] of ['Where do I find the quorbel export button?', 'Where is the quorbel export button found?'].entries()) {
          const res = await post(semanticApp, keys.full, text);
          expect(res.status).toBe(200);
          expect(res.headers['x-vectorcache-status']).toBe('miss');
          // Indexing the stored answer needs the embedder too; it runs after the reply.
          await eventually(() => skipped().index_write_failed === i + 1);
        }
      } finally {
        embedderDown.on = false;
      }
      expect(skipped().embedder_failed).toBe(2);
      expect(seen('semantic.unavailable')).toEqual([
        expect.objectContaining({ tenant: 'acme', reason: 'embedder_failed', suppressed: 0, requestId: expect.any(String) }),
        expect.objectContaining({ tenant: 'acme', reason: 'index_write_failed', suppressed: 0 }),
      ]);
      expect(JSON.stringify(seen('semantic.unavailable'))).not.toMatch(/quorbel|embedder down/);
    });

    it('keys.unavailable (503) and counters.unavailable when those stores fail', async () => {
      keysDown.on = true;
      try {
        expect((await post(app, generateApiKey('dev').key, 'x')).status).toBe(503);
      } finally {
        keysDown.on = false;
      }
      expect(seen('keys.unavailable')).toHaveLength(1);
      countersDown.on = true;
      try {
        // Whether the request is then served or refused is the lockout's `whenUnavailable` policy; the event is raised either way.
        await post(app, keys.full, 'x');
      } finally {
        countersDown.on = false;
      }
      expect(seen('counters.unavailable').length).toBeGreaterThanOrEqual(1);
    });

    it('privacy.erased, privacy.exported and privacy.tenant_erased, with receipts that hold no raw subject id', async () => {
      await post(app, keys.privacy, 'remember me', { 'x-vectorcache-subject': SUBJECT });
      const exported = await request(app.url).get(`/v1/vectorcache/subjects/${encodeURIComponent(SUBJECT)}/export`).set('authorization', `Bearer ${keys.privacy}`);
      expect(exported.status).toBe(200);
      const erased = await request(app.url).delete(`/v1/vectorcache/subjects/${encodeURIComponent(SUBJECT)}`).set('authorization', `Bearer ${keys.privacy}`);
      expect(erased.status).toBe(200);
      await app.guard.privacy.eraseTenant('globex');
      expect(seen('privacy.exported')).toEqual([expect.objectContaining({ tenant: 'acme', receipt: expect.objectContaining({ exported: 1 }) })]);
      expect(seen('privacy.erased')).toEqual([expect.objectContaining({ tenant: 'acme', receipt: expect.objectContaining({ erased: 1 }) })]);
      expect(seen('privacy.tenant_erased')).toEqual([expect.objectContaining({ tenant: 'globex' })]);
      // An erase that leaves a "do not cache" marker, and clearing it.
      const marked = await request(app.url).delete(`/v1/vectorcache/subjects/${encodeURIComponent(SUBJECT)}?doNotCache=true`).set('authorization', `Bearer ${keys.privacy}`);
      expect(marked.status).toBe(200);
      const cleared = await request(app.url).delete(`/v1/vectorcache/subjects/${encodeURIComponent(SUBJECT)}/do-not-cache`).set('authorization', `Bearer ${keys.privacy}`);
      expect(cleared.status).toBe(200);
      expect(seen('privacy.do_not_cache_set')).toEqual([expect.objectContaining({ tenant: 'acme' })]);
      expect(seen('privacy.do_not_cache_cleared')).toEqual([expect.objectContaining({ tenant: 'acme' })]);
    });

    it('suspicious.retired_key_used for revoked and rotated-out keys; the detector adds retired_key_reuse', async () => {
      expect((await post(app, keys.revoked, 'x')).status).toBe(401);
      expect((await post(app, keys.rotatedOut, 'x')).status).toBe(401);
      expect((await post(app, keys.revoked, 'x')).status).toBe(401);
      expect(seen('suspicious.retired_key_used').map((e) => e.code)).toEqual(['key_revoked', 'key_expired', 'key_revoked']);
      await eventually(() => seen('suspicious.retired_key_reuse').length === 1);
      expect(seen('suspicious.retired_key_reuse')[0]).toMatchObject({ uses: 2, keyHint: expect.stringMatching(/^vc_dev_/) });
    });

    it('the detector raises auth_failure_burst, credential_stuffing and scope_denial_burst from real traffic', async () => {
      for (let i = 0; i < 3; i++) await post(app, generateApiKey('dev').key, 'stuffing');
      for (let i = 0; i < 3; i++) await request(app.url).get('/v1/vectorcache/stats').set('authorization', `Bearer ${keys.full}`);
      await eventually(() => ['suspicious.auth_failure_burst', 'suspicious.credential_stuffing', 'suspicious.scope_denial_burst'].every((t) => seen(t).length === 1));
      expect(seen('suspicious.credential_stuffing')[0]).toMatchObject({ clientAddress: '127.0.0.1', distinctKeys: expect.any(Number) });
    });

    it('every guard and detector event type of the catalogue was raised here (new types need a case)', () => {
      const raised = new Set(all.map((e) => e.type));
      const expected = EVENT_CATALOGUE.filter((e) => (e.source === 'guard' || e.source === 'detector') && !DETECTOR_UNTESTED_HERE.has(e.type)).map((e) => e.type);
      expect(expected.filter((type) => !raised.has(type))).toEqual([]);
      for (const e of all) expect(EVENT_CATALOGUE.some((c) => c.type === e.type), e.type).toBe(true);
    });

    it('no captured event or log line holds a key, the secret, a PII value or a raw subject id', () => {
      const secrets = [...Object.values(keys).filter((v): v is string => typeof v === 'string'), oldKey, pinnedKey, SECRET, EMAIL, CARD, CARD.replace(/ /g, ''), SUBJECT];
      const events = JSON.stringify(all);
      const logs = log.lines.join('');
      expect(log.lines.length).toBeGreaterThanOrEqual(all.length);
      for (const secret of secrets) {
        expect(events.includes(secret), `event holds ${secret.slice(0, 8)}…`).toBe(false);
        expect(logs.includes(secret), `log holds ${secret.slice(0, 8)}…`).toBe(false);
      }
      // Full-format keys of any environment, however they got there.
      expect(events + logs).not.toMatch(/vc_[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{38}/);
      // Log lines are JSON with the event's fields at the top level, pino-http style (`reqId`), and the type as the message.
      const parsed = log.lines.map((line) => JSON.parse(line) as GuardEvent & { msg: string; level: number; reqId?: string });
      const denied = parsed.find((p) => p.msg === 'auth.failure')!;
      expect(denied.level).toBe(40);
      expect(denied).toMatchObject({ type: 'auth.failure', clientAddress: '127.0.0.1' });
      expect(denied.reqId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      expect(denied).not.toHaveProperty('event');
    });
  });
}
