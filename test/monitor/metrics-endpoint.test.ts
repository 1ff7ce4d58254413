// GET /metrics on the three example apps: analytics:read only, Prometheus text, and nothing secret in it or in the logs.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import { createKey, MemoryCacheStore, MemoryKeyStore, type Guard, type GuardOptions } from '@vectorcache/core';
import { offlineModel } from '../../examples/shared/src/index.js';
import { createApp as expressApp } from '../../examples/express-chat/src/app.js';
import { createApp as koaApp } from '../../examples/koa-chat/src/app.js';
import { createApp as fastifyApp } from '../../examples/fastify-chat/src/app.js';

const SECRET = 'metrics-endpoint-secret-0f1e2d3c4b5a69788796a5b4';
const EMAIL = 'mallory.metrics@example.net';
const CARD = '5555555555554444';

type Target = Parameters<typeof request>[0];
const APPS: Record<string, (config: { guard: GuardOptions; backend: ReturnType<typeof offlineModel> }) => Promise<{ target: Target; guard: Guard; close(): Promise<void> }>> = {
  express: async (config) => {
    const { app, guard } = expressApp(config);
    return { target: app, guard, close: () => guard.close() };
  },
  koa: async (config) => {
    const { app, guard } = koaApp(config);
    return { target: app.callback(), guard, close: () => guard.close() };
  },
  fastify: async (config) => {
    const { app, guard } = await fastifyApp(config);
    await app.ready();
    return { target: app.server, guard, close: async () => { await app.close(); await guard.close(); } };
  },
};

for (const [name, build] of Object.entries(APPS)) {
  describe(`${name} example: GET /metrics`, () => {
    const lines: string[] = [];
    let app: Awaited<ReturnType<typeof build>>;
    let chatKey: string;
    let statsKey: string;
    let opsKey: string;
    let otherKey: string;
    beforeAll(async () => {
      const keys = new MemoryKeyStore();
      chatKey = (await createKey(keys, { environment: 'dev', name: 'chat', scopes: ['cache:read', 'cache:write'], tenant: 'acme' })).key;
      statsKey = (await createKey(keys, { environment: 'dev', name: 'dashboard', scopes: ['analytics:read'], tenant: 'acme' })).key;
      opsKey = (await createKey(keys, { environment: 'dev', name: 'operator', scopes: ['analytics:admin'], tenant: 'ops' })).key;
      otherKey = (await createKey(keys, { environment: 'dev', name: 'other tenant', scopes: ['cache:read', 'cache:write'], tenant: 'globex' })).key;
      const logger = pino({ level: 'debug' }, new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } }));
      app = await build({
        guard: {
          environment: 'dev', keys, cache: new MemoryCacheStore(), logger,
          encryption: { secret: SECRET, iterations: 1000 }, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
        },
        backend: offlineModel(0),
      });
    });
    afterAll(async () => { await app.close(); });

    const chat = (content: string, key = chatKey) => request(app.target).post('/v1/chat/completions')
      .set({ authorization: `Bearer ${key}`, 'x-api-key': key }).send({ model: 'offline-1', messages: [{ role: 'user', content }], user: SECRET });

    it('needs a key, and the analytics:read scope (403 insufficient_scope with the RFC 6750 challenge)', async () => {
      expect((await request(app.target).get('/metrics')).status).toBe(401);
      const denied = await request(app.target).get('/metrics').set('authorization', `Bearer ${chatKey}`);
      expect(denied.status).toBe(403);
      expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(denied.headers['www-authenticate']).toBe('Bearer realm="vectorcache", error="insufficient_scope", scope="analytics:read"');
      expect(JSON.parse(denied.text)).toMatchObject({ code: 'insufficient_scope', status: 403 });
    });

    it('answers Prometheus text with hits, misses, bypasses, denials and events, holding no key, secret or PII', async () => {
      await chat('What is a cache?');
      const hit = await chat('What is a cache?');
      expect(hit.headers['x-vectorcache-status']).toBe('hit');
      await chat(`My email is ${EMAIL} and my card ${CARD}; the secret is ${SECRET}`);
      // A one-character typo (never the key's own last character, or the "typo" would be the key).
      const typo = `${chatKey.slice(0, -1)}${chatKey.endsWith('x') ? 'y' : 'x'}`;
      await request(app.target).post('/v1/chat/completions').set('authorization', `Bearer ${typo}`).send({});
      // Every tenant's series need the operator scope (issue 13 item 11); the tenant view is tested below.
      const res = await request(app.target).get('/metrics').set('authorization', `Bearer ${opsKey}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.text;
      expect(text).toMatch(/^vectorcache_requests_total\{outcome="hit"\} 1$/m);
      expect(text).toMatch(/^vectorcache_requests_total\{outcome="miss"\} 1$/m);
      expect(text).toMatch(/^vectorcache_bypasses_total\{reason="pii"\} 1$/m);
      expect(text).toMatch(/^vectorcache_denials_total\{code="(malformed|invalid)_api_key"\} 1$/m);
      expect(text).toMatch(/^vectorcache_security_events_total\{type="pii.detected"\} 1$/m);
      expect(text).toMatch(/^vectorcache_cache_entries 1$/m);
      expect(text).toMatch(/^vectorcache_upstream_calls_saved_total 1$/m);
      for (const secret of [chatKey, statsKey, opsKey, SECRET, EMAIL, CARD, 'acme']) {
        expect(text.includes(secret), `metrics hold ${secret.slice(0, 6)}…`).toBe(false);
      }
      const logs = lines.join('');
      expect(logs).toContain('pii.detected');
      for (const secret of [chatKey, statsKey, SECRET, EMAIL, CARD]) expect(logs.includes(secret), `logs hold ${secret.slice(0, 6)}…`).toBe(false);
    });

    it('a tenant key sees its own tenant\'s series only; another tenant\'s traffic never shows', async () => {
      const before = await request(app.target).get('/metrics').set('authorization', `Bearer ${statsKey}`);
      const count = (text: string, outcome: string): number => Number(new RegExp(`^vectorcache_requests_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      for (const word of ['alpha', 'beta', 'gamma']) await chat(`globex question ${word} ${name}`, otherKey);
      await chat('What is a cache?', otherKey);
      const mine = await request(app.target).get('/metrics').set('authorization', `Bearer ${statsKey}`);
      expect(mine.status).toBe(200);
      expect(count(mine.text, 'miss')).toBe(count(before.text, 'miss'));
      expect(count(mine.text, 'hit')).toBe(count(before.text, 'hit'));
      expect(mine.text).not.toMatch(/cache_entries/);
      const all = await request(app.target).get('/metrics').set('authorization', `Bearer ${opsKey}`);
      expect(count(all.text, 'miss')).toBeGreaterThanOrEqual(count(mine.text, 'miss') + 4);
    });
  });
}
