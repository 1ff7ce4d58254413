// Issue 13 item 10 over real HTTP on every adapter: marked answers and non-JSON media types are never stored or replayed.
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { chat, suiteApp, type AdapterName } from '../conformance/harness.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
const NOT_STORED: Array<Record<string, string>> = [
  { 'cache-control': 'no-cache' },
  { 'cache-control': 'max-age=0' },
  { 'cache-control': 'public, s-maxage=0' },
  { 'cache-control': 'private' },
  { vary: '*' },
  { vary: 'Accept-Encoding, Authorization' },
  { vary: 'cookie' },
  { 'content-type': 'application/jsonp' },
  { 'content-type': 'application/json-seq' },
];

for (const adapter of ADAPTERS) {
  describe(`${adapter}: response caching rules`, () => {
    const suite = suiteApp(adapter);

    let n = 0;
    /** Words only: random digits would look like phone numbers to the PII gate. */
    const fresh = (): string => `question ${'abcdefghijklmnopqrstuvwxyz'[n % 26]} ${(n++).toString(36).replace(/\d/g, (d) => 'klmnopqrst'[Number(d)]!)}`;
    const ask = (content: string) => request(suite.app.url).post('/v1/chat/completions').set('authorization', `Bearer ${suite.keys.full}`).send(chat(content));

    for (const headers of NOT_STORED) {
      it(`an answer with ${JSON.stringify(headers)} is not stored: the same request misses again`, async () => {
        suite.app.backend.headers = headers;
        try {
          const content = fresh();
          const calls = suite.app.backend.calls;
          expect((await ask(content)).headers['x-vectorcache-status']).toBe('miss');
          expect((await ask(content)).headers['x-vectorcache-status']).toBe('miss');
          expect(suite.app.backend.calls).toBe(calls + 2);
        } finally {
          suite.app.backend.headers = undefined;
        }
      });
    }

    it('a plain JSON answer (with charset) is stored and replayed', async () => {
      suite.app.backend.headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=60' };
      try {
        const content = fresh();
        expect((await ask(content)).headers['x-vectorcache-status']).toBe('miss');
        expect((await ask(content)).headers['x-vectorcache-status']).toBe('hit');
      } finally {
        suite.app.backend.headers = undefined;
      }
    });
  });
}
