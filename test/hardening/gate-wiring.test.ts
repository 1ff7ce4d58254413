// Issue 13 items 3, 8 and 9 through the gate on every adapter: unscannable bodies refused, /64 lockout, header-cap fail-closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { createGuard, MemoryCacheStore, type GuardRequest } from '@vectorcache/core';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { rawRequest } from '../fuzz/raw-http.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

for (const adapter of ADAPTERS) {
  describe(`${adapter}: a body the scanner could not scan (item 3)`, () => {
    let keys: Keys;
    const apps: Record<string, App> = {};
    beforeAll(async () => {
      keys = await makeKeys();
      for (const action of ['block', 'redact', 'bypass'] as const) {
        apps[action] = await startApp(adapter, baseOptions(keys, { pii: { action, maxScanChars: 2_000 } }));
      }
    });
    afterAll(async () => { for (const app of Object.values(apps)) await app.close(); });

    it('never reaches the handler under block or redact (422 pii_unscannable); under bypass it goes direct', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 2_100, max: 20_000 }), fc.constantFrom(...WORDS), async (size, word) => {
        const filler = `${word} `.repeat(Math.ceil(size / (word.length + 1)));
        const body = chat(`${filler} write to jane.doe@example.com, card 4111 1111 1111 1111`);
        for (const action of ['block', 'redact'] as const) {
          const app = apps[action]!;
          const calls = app.backend.calls;
          const res = await request(app.url).post('/v1/chat/completions').set('authorization', `Bearer ${keys.full}`).send(body);
          expect(res.status).toBe(422);
          expect(res.body).toMatchObject({ code: 'pii_unscannable', reason: 'scan_size' });
          expect(app.backend.calls).toBe(calls);
        }
        const bypass = await request(apps.bypass!.url).post('/v1/chat/completions').set('authorization', `Bearer ${keys.full}`).send(body);
        expect(bypass.status).toBe(200);
        expect(bypass.headers['x-vectorcache-reason']).toContain('too_large_to_scan');
      }), { numRuns: 6 });
    });
  });

  describe(`${adapter}: header cap behind a trusted proxy (item 9)`, () => {
    let keys: Keys;
    let app: App;
    beforeAll(async () => {
      keys = await makeKeys();
      app = await startApp(adapter, baseOptions(keys, { trustProxy: 'loopback', ipAllowlist: ['203.0.113.0/24', '127.0.0.1/32'] }));
    });
    afterAll(async () => { await app.close(); });

    it('a request at Node\'s header cap fails closed instead of trusting a client-controlled X-Forwarded-For', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1_000, max: 1_300 }), async (lines) => {
        // The client's own XFF line first, then padding that pushes the proxy's line past the cap.
        const headers: Array<readonly [string, string]> = [['Authorization', `Bearer ${keys.full}`], ['Content-Type', 'application/json'], ['X-Forwarded-For', '203.0.113.9']];
        for (let i = 0; i < lines; i++) headers.push([`X-Pad-${i}`, 'x']);
        headers.push(['X-Forwarded-For', '198.51.100.7']);
        const res = await rawRequest(app.url, { method: 'POST', path: '/v1/chat/completions', headers, body: Buffer.from(JSON.stringify(chat('padded'))) });
        expect(res.status).toBe(403);
        expect(JSON.parse(res.body).code).toBe('ip_not_allowed');
      }), { numRuns: 4 });
      const ok = await rawRequest(app.url, { method: 'POST', path: '/v1/chat/completions', headers: [['Authorization', `Bearer ${keys.full}`], ['Content-Type', 'application/json'], ['X-Forwarded-For', '203.0.113.9']], body: Buffer.from(JSON.stringify(chat('short'))) });
      expect(ok.status).toBe(200);
    });
  });
}

describe('IPv6 lockout per /64 by default (item 8)', () => {
  const view = (address: string, key: string): GuardRequest => ({
    method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${key}` }, remoteAddress: address, encrypted: false,
    body: chat('x'),
  });
  const addressIn = (prefix: string, a: number, b: number, c: number, d: number) => `${prefix}:${a.toString(16)}:${b.toString(16)}:${c.toString(16)}:${d.toString(16)}`;

  it('failures from any addresses of one /64 share one budget; another /64 and IPv4 addresses keep their own', async () => {
    const keys = await makeKeys();
    const guard = createGuard({ environment: 'dev', keys: keys.store, cache: new MemoryCacheStore(), lockout: { maxFailures: 5, windowMs: 60_000 }, suspicious: false, silenceWarnings: ['VC_NO_ENCRYPTION'] });
    const word = fc.integer({ min: 0, max: 0xffff });
    const hosts = fc.sample(fc.tuple(word, word, word, word), 8);
    for (const [a, b, c, d] of hosts.slice(0, 6)) await guard.handle(view(addressIn('2001:db8:1:2', a, b, c, d), 'vc_dev_wrong'));
    const [a, b, c, d] = hosts[7]!;
    expect((await guard.handle(view(addressIn('2001:db8:1:2', a, b, c, d), keys.full))).kind).toBe('deny');
    const other = await guard.handle(view(addressIn('2001:db8:1:3', a, b, c, d), keys.full));
    expect(other.kind).toBe('pass');
    for (let i = 1; i <= 6; i++) await guard.handle(view(`198.51.100.${i}`, 'vc_dev_wrong'));
    expect((await guard.handle(view('198.51.100.200', keys.full))).kind).toBe('pass');
    await guard.close();
  });

  it('the prefix is configurable and validated once', () => {
    const base = { environment: 'dev', keys: { findByHash() {}, findById() {}, list: () => [], insert() {}, update() {} } as never, cache: false as const };
    expect(() => createGuard({ ...base, lockout: { ipv6Prefix: 200 } })).toThrow(/lockout\.ipv6Prefix/);
    expect(() => createGuard({ ...base, lockout: { ipv4Prefix: 4 } })).toThrow(/lockout\.ipv4Prefix/);
    expect(() => createGuard({ ...base, lockout: { ipv6Prefix: 56, ipv4Prefix: 24 } })).not.toThrow();
  });
});
