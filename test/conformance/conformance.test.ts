// One table of HTTP cases, run identically against the Express, Koa and Fastify adapters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { GuardOptions } from '@vectorcache/core';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from './harness.js';

interface Ctx { app: App; keys: Keys }
type Profile = 'default' | 'pii-block' | 'pii-redact' | 'consent' | 'small-scan';
interface Case { name: string; profile?: Profile; run(ctx: Ctx): Promise<void> }

/** Guard options per profile; every profile runs against every adapter. */
const PROFILES: Record<Profile, (keys: Keys) => Partial<GuardOptions>> = {
  default: () => ({ maxBodyBytes: 64 * 1024 }),
  'pii-block': () => ({ pii: { action: 'block' } }),
  'pii-redact': () => ({ pii: { action: 'redact' } }),
  consent: () => ({ requireConsent: true }),
  'small-scan': () => ({ pii: { maxScanChars: 2000 } }),
};

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (ctx: Ctx, body: unknown, headers: Record<string, string> = {}) =>
  request(ctx.app.url).post('/v1/chat/completions').set({ 'content-type': 'application/json', ...headers }).send(typeof body === 'string' ? body : JSON.stringify(body));

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(res.headers['x-vectorcache-status']).toBeUndefined();
}

let unique = 0;
/** A prompt no other case uses, so cases never see each other's cache entries. */
const fresh = (label: string) => `${label} #${++unique} ${Math.random().toString(36).slice(2)}`;

const cases: Case[] = [
  {
    name: 'missing key → 401 missing_api_key with a bare Bearer challenge',
    async run(ctx) {
      const res = await post(ctx, chat('hi'));
      expectProblem(res, 401, 'missing_api_key');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="vectorcache"');
      expect(ctx.app.backend.calls).toBe(0);
    },
  },
  {
    name: 'malformed key (bad checksum, garbage, unicode) → 401 malformed_api_key with error="invalid_token"',
    async run(ctx) {
      const last = ctx.keys.full.at(-1) === 'a' ? 'b' : 'a';
      for (const key of [ctx.keys.full.slice(0, -1) + last, 'garbage', 'vc_dev_ÄÖÜ', 'x'.repeat(600)]) {
        const res = await post(ctx, chat('hi'), { 'x-api-key': key });
        expectProblem(res, 401, 'malformed_api_key');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="vectorcache", error="invalid_token"');
      }
    },
  },
  {
    name: 'unknown well-formed key → 401 invalid_api_key',
    async run(ctx) {
      const { generateApiKey } = await import('@vectorcache/core');
      const res = await post(ctx, chat('hi'), bearer(generateApiKey('dev').key));
      expectProblem(res, 401, 'invalid_api_key');
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    },
  },
  {
    name: 'key of another environment → 401 wrong_environment',
    async run(ctx) {
      expectProblem(await post(ctx, chat('hi'), bearer(ctx.keys.prod)), 401, 'wrong_environment');
    },
  },
  {
    name: 'revoked key → 401 key_revoked; expired key → 401 key_expired',
    async run(ctx) {
      expectProblem(await post(ctx, chat('hi'), bearer(ctx.keys.revoked)), 401, 'key_revoked');
      expectProblem(await post(ctx, chat('hi'), bearer(ctx.keys.expired)), 401, 'key_expired');
    },
  },
  {
    name: 'rotated key works within its grace period, as does its successor; a rotated-out key is expired',
    async run(ctx) {
      const a = await post(ctx, chat(fresh('rotate')), bearer(ctx.keys.rotatedInGrace));
      expect(a.status).toBe(200);
      const b = await post(ctx, chat(fresh('rotate')), bearer(ctx.keys.rotatedSuccessor));
      expect(b.status).toBe(200);
      expectProblem(await post(ctx, chat('hi'), bearer(ctx.keys.rotatedOut)), 401, 'key_expired');
    },
  },
  {
    name: 'X-API-Key works like Bearer; conflicting Bearer and X-API-Key → malformed',
    async run(ctx) {
      const ok = await post(ctx, chat(fresh('xapikey')), { 'x-api-key': ctx.keys.full });
      expect(ok.status).toBe(200);
      expectProblem(await post(ctx, chat('hi'), { ...bearer(ctx.keys.full), 'x-api-key': ctx.keys.readOnly }), 401, 'malformed_api_key');
    },
  },
  {
    name: 'first request is a miss, the repeat is a hit with Age and the handler is not called again',
    async run(ctx) {
      const body = chat(fresh('hit'));
      const first = await post(ctx, body, bearer(ctx.keys.full));
      expect(first.status).toBe(200);
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      expect(first.headers['x-vectorcache-reason']).toBeUndefined();
      const calls = ctx.app.backend.calls;
      const second = await post(ctx, body, bearer(ctx.keys.full));
      expect(second.status).toBe(200);
      expect(second.headers['x-vectorcache-status']).toBe('hit');
      expect(second.headers.age).toMatch(/^\d+$/);
      expect(second.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(second.text)).toEqual(JSON.parse(first.text));
      expect(ctx.app.backend.calls).toBe(calls);
    },
  },
  {
    name: 'key order and transport-only fields (stream: false, user) do not change the cache key',
    async run(ctx) {
      const content = fresh('canonical');
      await post(ctx, { model: 'gpt-test', messages: [{ role: 'user', content }] }, bearer(ctx.keys.full));
      const res = await post(ctx, { user: 'someone', stream: false, messages: [{ content, role: 'user' }], model: 'gpt-test' }, bearer(ctx.keys.full));
      expect(res.headers['x-vectorcache-status']).toBe('hit');
    },
  },
  {
    name: 'tenants never see each other\'s entries',
    async run(ctx) {
      const body = chat(fresh('tenant'));
      await post(ctx, body, bearer(ctx.keys.full));
      const other = await post(ctx, body, bearer(ctx.keys.otherTenant));
      expect(other.headers['x-vectorcache-status']).toBe('miss');
      const again = await post(ctx, body, bearer(ctx.keys.otherTenant));
      expect(again.headers['x-vectorcache-status']).toBe('hit');
    },
  },
  {
    name: 'a key without cache:read is never answered from the cache (bypass no_cache_scope)',
    async run(ctx) {
      const body = chat(fresh('scope'));
      await post(ctx, body, bearer(ctx.keys.full));
      const res = await post(ctx, body, bearer(ctx.keys.noCache));
      expect(res.status).toBe(200);
      expect(res.headers['x-vectorcache-status']).toBe('bypass');
      expect(res.headers['x-vectorcache-reason']).toBe('no_cache_scope');
      const writer = await post(ctx, body, bearer(ctx.keys.writeOnly));
      expect(writer.headers['x-vectorcache-status']).toBe('bypass');
      expect(writer.headers['x-vectorcache-reason']).toBe('no_cache_scope');
    },
  },
  {
    name: 'cache:read without cache:write is looked up, and its miss is not stored',
    async run(ctx) {
      const body = chat(fresh('readonly'));
      const first = await post(ctx, body, bearer(ctx.keys.readOnly));
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      const second = await post(ctx, body, bearer(ctx.keys.readOnly));
      expect(second.headers['x-vectorcache-status']).toBe('miss');
    },
  },
  {
    name: 'Cache-Control: no-store looks up but does not write; no-cache is a bypass',
    async run(ctx) {
      const body = chat(fresh('nostore'));
      const first = await post(ctx, body, { ...bearer(ctx.keys.full), 'cache-control': 'no-store' });
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      const second = await post(ctx, body, bearer(ctx.keys.full));
      expect(second.headers['x-vectorcache-status']).toBe('miss');
      const third = await post(ctx, body, { ...bearer(ctx.keys.full), 'cache-control': 'no-cache' });
      expect(third.headers['x-vectorcache-status']).toBe('bypass');
      expect(third.headers['x-vectorcache-reason']).toBe('client_no_cache');
      const fourth = await post(ctx, body, bearer(ctx.keys.full));
      expect(fourth.headers['x-vectorcache-status']).toBe('hit');
    },
  },
  {
    name: 'invalid JSON → 400 invalid_body; nothing stored, handler not called',
    async run(ctx) {
      const calls = ctx.app.backend.calls;
      expectProblem(await post(ctx, '{"model": "x", "messages": [', bearer(ctx.keys.full)), 400, 'invalid_body');
      expectProblem(await post(ctx, chat('x', { messages: [{ role: 'user', content: 42 }] }), bearer(ctx.keys.full)), 400, 'invalid_body');
      expectProblem(await post(ctx, { messages: 'hello' }, bearer(ctx.keys.full)), 400, 'invalid_body');
      expect(ctx.app.backend.calls).toBe(calls);
    },
  },
  {
    name: 'invalid body from an unauthenticated caller is a 401, not a 400',
    async run(ctx) {
      expectProblem(await post(ctx, '{not json'), 401, 'missing_api_key');
    },
  },
  {
    name: 'oversized body → 413 body_too_large',
    async run(ctx) {
      const calls = ctx.app.backend.calls;
      const res = await post(ctx, chat('x'.repeat(70_000)), bearer(ctx.keys.full));
      expectProblem(res, 413, 'body_too_large');
      expect(ctx.app.backend.calls).toBe(calls);
    },
  },
  {
    name: 'oversized headers get a 4xx from the HTTP layer and the server keeps answering',
    async run(ctx) {
      const res = await post(ctx, chat('x'), { ...bearer(ctx.keys.full), 'x-padding': 'p'.repeat(20_000) }).catch((e: { status?: number }) => e);
      expect(res.status).toBe(431);
      const after = await post(ctx, chat(fresh('after-431')), bearer(ctx.keys.full));
      expect(after.status).toBe(200);
    },
  },
  {
    name: 'HEAD and GET on a guarded path need a key and are never cached',
    async run(ctx) {
      const head = await request(ctx.app.url).head('/v1/chat/completions');
      expect(head.status).toBe(401);
      expect(head.headers['www-authenticate']).toBe('Bearer realm="vectorcache"');
      const get = await request(ctx.app.url).get('/v1/chat/completions').set(bearer(ctx.keys.full));
      expect(get.status).toBe(200);
      expect(get.headers['x-vectorcache-status']).toBe('bypass');
      expect(get.headers['x-vectorcache-reason']).toBe('not_cacheable');
    },
  },
  {
    name: 'OPTIONS on a guarded path needs a key',
    async run(ctx) {
      const res = await request(ctx.app.url).options('/v1/chat/completions');
      expectProblem(res, 401, 'missing_api_key');
    },
  },
  {
    name: 'health check outside the guard answers without a key',
    async run(ctx) {
      const res = await request(ctx.app.url).get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    },
  },
  {
    name: 'answers with Set-Cookie or non-200 status are not stored',
    async run(ctx) {
      const body = chat(fresh('cookie'));
      ctx.app.backend.headers = { 'set-cookie': 'session=1' };
      await post(ctx, body, bearer(ctx.keys.full));
      ctx.app.backend.headers = undefined;
      expect((await post(ctx, body, bearer(ctx.keys.full))).headers['x-vectorcache-status']).toBe('miss');
      const other = chat(fresh('status'));
      ctx.app.backend.status = 500;
      await post(ctx, other, bearer(ctx.keys.full));
      ctx.app.backend.status = undefined;
      expect((await post(ctx, other, bearer(ctx.keys.full))).headers['x-vectorcache-status']).toBe('miss');
    },
  },
  {
    name: 'admin stats need analytics:read and report the caller\'s tenant',
    async run(ctx) {
      const denied = await request(ctx.app.url).get('/v1/vectorcache/stats').set(bearer(ctx.keys.full));
      expectProblem(denied, 403, 'insufficient_scope');
      expect(denied.headers['www-authenticate']).toBe('Bearer realm="vectorcache", error="insufficient_scope", scope="analytics:read"');
      const ok = await request(ctx.app.url).get('/v1/vectorcache/stats').set(bearer(ctx.keys.analytics));
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ tenant: 'acme' });
      for (const field of ['requests', 'hits', 'misses', 'hitRate', 'savedMs', 'savedTokens']) expect(typeof ok.body[field]).toBe('number');
    },
  },
  {
    name: 'PII prompt is bypassed (handler runs, nothing stored, repeat is again a bypass)',
    async run(ctx) {
      const body = chat(`${fresh('pii')} my email is jane.doe@example.com`);
      const first = await post(ctx, body, bearer(ctx.keys.full));
      expect(first.status).toBe(200);
      expect(first.headers['x-vectorcache-status']).toBe('bypass');
      expect(first.headers['x-vectorcache-reason']).toBe('pii');
      const second = await post(ctx, body, bearer(ctx.keys.full));
      expect(second.headers['x-vectorcache-status']).toBe('bypass');
      const event = ctx.app.events.find((e) => e.type === 'pii.detected');
      expect(event).toBeDefined();
      expect(JSON.stringify(ctx.app.events)).not.toContain('jane.doe@example.com');
    },
  },
  {
    name: 'an answer containing PII is not stored (pii_in_response)',
    async run(ctx) {
      const body = chat(fresh('pii-answer'));
      ctx.app.backend.answer = () => ({ choices: [{ message: { role: 'assistant', content: 'Call me at card 4111 1111 1111 1111' } }] });
      const first = await post(ctx, body, bearer(ctx.keys.full));
      ctx.app.backend.answer = undefined;
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      expect(first.headers['x-vectorcache-reason']).toBe('pii_in_response');
      expect((await post(ctx, body, bearer(ctx.keys.full))).headers['x-vectorcache-status']).toBe('miss');
    },
  },
  {
    name: 'block mode: a PII prompt → 422 pii_detected naming detectors, never values; handler not called',
    profile: 'pii-block',
    async run(ctx) {
      const calls = ctx.app.backend.calls;
      const res = await post(ctx, chat('card 4111 1111 1111 1111, mail jane.doe@example.com'), bearer(ctx.keys.full));
      expectProblem(res, 422, 'pii_detected');
      const problem = JSON.parse(res.text) as { detectors: string[] };
      expect(problem.detectors.sort()).toEqual(['credit_card', 'email']);
      expect(res.text).not.toContain('4111');
      expect(res.text).not.toContain('jane.doe');
      expect(ctx.app.backend.calls).toBe(calls);
      const clean = await post(ctx, chat(fresh('clean')), bearer(ctx.keys.full));
      expect(clean.status).toBe(200);
    },
  },
  {
    name: 'block mode covers PII in any field: system prompt, content parts, tool arguments, context',
    profile: 'pii-block',
    async run(ctx) {
      const bodies = [
        { model: 'm', messages: [{ role: 'system', content: 'user ssn 078-05-1121 is on file' }, { role: 'user', content: 'hi' }] },
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'IBAN DE89 3704 0044 0532 0130 00' }] }] },
        { model: 'm', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"email":"a.b@example.org"}' } }] }, { role: 'user', content: 'go' }] },
        { model: 'm', messages: [{ role: 'user', content: 'summarise' }], context: { docs: ['call +44 20 7946 0958'] } },
      ];
      for (const body of bodies) expectProblem(await post(ctx, body, bearer(ctx.keys.full)), 422, 'pii_detected');
    },
  },
  {
    name: 'redact mode: the handler sees typed placeholders and the redacted form is cached',
    profile: 'pii-redact',
    async run(ctx) {
      const body = chat(`${fresh('redact')} write to jane.doe@example.com`);
      const first = await post(ctx, body, bearer(ctx.keys.full));
      expect(first.status).toBe(200);
      const seen = JSON.stringify(ctx.app.backend.seen.at(-1));
      expect(seen).toContain('[EMAIL_1]');
      expect(seen).not.toContain('jane.doe@example.com');
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      const second = await post(ctx, body, bearer(ctx.keys.full));
      expect(second.headers['x-vectorcache-status']).toBe('hit');
    },
  },
  {
    name: 'consent required: without consent the request goes direct (no_consent), never denied; with consent it is cached',
    profile: 'consent',
    async run(ctx) {
      const body = chat(fresh('consent'));
      const without = await post(ctx, body, bearer(ctx.keys.full));
      expect(without.status).toBe(200);
      expect(without.headers['x-vectorcache-status']).toBe('bypass');
      expect(without.headers['x-vectorcache-reason']).toBe('no_consent');
      const granted = { ...bearer(ctx.keys.full), 'x-vectorcache-consent': 'granted' };
      expect((await post(ctx, body, granted)).headers['x-vectorcache-status']).toBe('miss');
      expect((await post(ctx, body, granted)).headers['x-vectorcache-status']).toBe('hit');
      expect((await post(ctx, body, bearer(ctx.keys.full))).headers['x-vectorcache-status']).toBe('bypass');
    },
  },
  {
    name: 'a prompt over the scan cap goes direct (too_large_to_scan) instead of being scanned for long',
    profile: 'small-scan',
    async run(ctx) {
      const res = await post(ctx, chat('lorem ipsum '.repeat(400)), bearer(ctx.keys.full));
      expect(res.status).toBe(200);
      expect(res.headers['x-vectorcache-status']).toBe('bypass');
      expect(res.headers['x-vectorcache-reason']).toBe('too_large_to_scan');
    },
  },
];

const adapters: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

for (const adapter of adapters) {
  for (const profile of Object.keys(PROFILES) as Profile[]) {
    describe(`conformance: ${adapter} (${profile})`, () => {
      const ctx = {} as Ctx;
      beforeAll(async () => {
        ctx.keys = await makeKeys();
        ctx.app = await startApp(adapter, baseOptions(ctx.keys, PROFILES[profile](ctx.keys)));
      });
      afterAll(async () => { await ctx.app?.close(); });
      for (const c of cases.filter((x) => (x.profile ?? 'default') === profile)) it(c.name, () => c.run(ctx));
    });
  }
}
