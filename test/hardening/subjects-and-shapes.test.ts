// Issue 13 items 1 and 12 over real HTTP on every adapter: long subject ids stay isolated or are refused; chat bodies need messages.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { type AdapterName, type App, baseOptions, chat, makeKeys, startApp, suiteApp } from '../conformance/harness.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
/** Header-safe characters; ids are generated at every length from 1 to the limit and past it. */
const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_.@';
/** Words only: digits in a prompt may look like a phone number to the PII gate. */
let asked = 0;
const fresh = (): string => `subject question ${(asked++).toString(36).replace(/\d/g, (d) => 'klmnopqrst'[Number(d)]!)}`;
const idOf = (length: number, seed: number): string => Array.from({ length }, (_, i) => ID_CHARS[(seed * 31 + i * 7) % ID_CHARS.length]).join('');

for (const adapter of ADAPTERS) {
  describe(`${adapter}: subject ids of any accepted length are isolated (item 1)`, () => {
    const suite = suiteApp(adapter);

    const ask = (content: string, subject?: string) => {
      const req = request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.privacy}`);
      if (subject !== undefined) req.set('x-vectorcache-subject', subject);
      return req.send(chat(content));
    };

    it('a subject of 1..1024 characters gets its own entries: no-subject and other subjects never hit them; export and erase find them', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 0, max: 1e6 }), async (length, seed) => {
        const subject = idOf(length, seed);
        const content = fresh();
        const status = async (subjectId?: string): Promise<string> => {
          const res = await ask(content, subjectId);
          return String(res.headers['x-vectorcache-status'] ?? `${res.status} ${res.text.slice(0, 120)}`);
        };
        expect(await status(subject)).toBe('miss');
        expect(await status(subject)).toBe('hit');
        expect(await status()).toBe('miss');
        expect(await status(`${subject[0] === 'x' ? 'y' : 'x'}${subject.slice(1)}`)).toBe('miss');
        const path = `/v1/vectorcache/subjects/${encodeURIComponent(subject)}`;
        const exported = await request(suite.app.url).get(`${path}/export`).set('authorization', `Bearer ${suite.keys.privacy}`);
        expect(exported.status).toBe(200);
        expect(JSON.parse(exported.text).entries.length).toBeGreaterThanOrEqual(1);
        const erased = await request(suite.app.url).delete(path).set('authorization', `Bearer ${suite.keys.privacy}`);
        expect(erased.body.erased).toBeGreaterThanOrEqual(1);
        expect(await status(subject)).toBe('miss');
      }), { numRuns: 12 });
    });

    it('a longer subject id is refused with 400 invalid_subject, on guarded and admin routes, never dropped', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1025, max: 6000 }), fc.integer({ min: 0, max: 1e6 }), async (length, seed) => {
        const subject = idOf(length, seed);
        const res = await ask(fresh(), subject);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'invalid_subject', status: 400 });
        const admin = await request(suite.app.url).delete(`/v1/vectorcache/subjects/${subject}`).set('authorization', `Bearer ${suite.keys.privacy}`);
        expect(admin.status).toBe(400);
        expect(admin.body.code).toBe('invalid_subject');
      }), { numRuns: 8 });
    });
  });

  describe(`${adapter}: the chat route validates the chat shape (item 12)`, () => {
    const suite = suiteApp(adapter);

    it('any object body without `messages` is 400 invalid_body, never cached, the handler never called', async () => {
      const calls = suite.app.backend.calls;
      await fc.assert(fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== 'messages' && k !== 'model' && k !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        async (body) => {
          const res = await request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`).send(body);
          expect(res.status).toBe(400);
          expect(res.body.code).toBe('invalid_body');
          expect(res.headers['x-vectorcache-status']).toBeUndefined();
        },
      ), { numRuns: 25 });
      expect(suite.app.backend.calls).toBe(calls);
    });
  });
}

describe('validateBody is pluggable', () => {
  it('a custom validator decides per route, and false turns the check off', async () => {
    const keys = await makeKeys();
    const custom = await startApp('express', baseOptions(keys, { validateBody: (body) => (typeof body.prompt === 'string' || Array.isArray(body.messages) ? undefined : '`prompt` is required.') }));
    const off = await startApp('express', baseOptions(keys, { validateBody: false }));
    try {
      const send = (app: App, body: unknown) => request(app.url).post('/v1/chat/completions').set('authorization', `Bearer ${keys.full}`).send(body as object);
      expect((await send(custom, { foo: 1 })).body).toMatchObject({ code: 'invalid_body', detail: '`prompt` is required.' });
      expect((await send(custom, { prompt: 'hi' })).status).toBe(200);
      expect((await send(off, { foo: 1 })).status).toBe(200);
    } finally {
      await custom.close();
      await off.close();
    }
  });
});
