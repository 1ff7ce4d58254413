// Issue 16 item 8 on every adapter: every answer carries X-Request-Id (a valid incoming one echoed), and operational routes stay out of the stats.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { baseOptions, chat, startApp, suiteApp, type AdapterName } from '../conformance/harness.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const adapter of ADAPTERS) {
  describe(`${adapter}: X-Request-Id`, () => {
    const suite = suiteApp(adapter);

    const calls = (id?: string) => {
      const withId = <T extends { set(name: string, value: string): T }>(r: T): T => (id === undefined ? r : r.set('x-request-id', id));
      return [
        withId(request(suite.app.url).post('/v1/chat/completions')).send(chat('no key')), // deny 401
        withId(request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`)).send(chat('request id question')), // miss, then hit
        withId(request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`)).send(chat('request id question')),
        withId(request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`).set('cache-control', 'no-cache')).send(chat('bypassed')),
        withId(request(suite.app.url).get('/v1/vectorcache/stats').set('authorization', `Bearer ${suite.keys.analytics}`)), // admin
      ];
    };

    it('a valid incoming id is echoed on deny, miss, hit, bypass and admin answers', async () => {
      await fc.assert(fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/), async (id) => {
        for (const call of calls(id)) expect((await call).headers['x-request-id']).toBe(id);
      }), { numRuns: 5 });
    });

    it('without an id, or with an invalid one, a fresh UUID is generated', async () => {
      await fc.assert(fc.asyncProperty(fc.constantFrom(undefined, 'has space', 'x'.repeat(129), 'semi;colon', '<tag>'), async (id) => {
        for (const call of calls(id)) expect((await call).headers['x-request-id']).toMatch(UUID);
      }), { numRuns: 5 });
    });

    it('operational paths are authenticated but never counted as guarded traffic', async () => {
      const ops = await startApp(adapter, baseOptions(suite.keys, { operationalPaths: ['/v1/chat/completions'] }));
      try {
        const denied = await request(ops.url).post('/v1/chat/completions').send(chat('ops'));
        expect(denied.status).toBe(401);
        for (let i = 0; i < 2; i++) {
          const ok = await request(ops.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`).send(chat('ops'));
          expect(ok.status).toBe(200);
          expect(ok.headers['x-vectorcache-status']).toBeUndefined();
        }
        const stats = ops.guard.stats('acme');
        expect(stats).toMatchObject({ requests: 0, hits: 0, misses: 0, bypasses: {} });
        expect(ops.backend.calls).toBe(2);
      } finally {
        await ops.close();
      }
    });
  });
}
