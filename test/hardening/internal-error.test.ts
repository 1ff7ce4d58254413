// A failure inside the guard (here: a throwing subject() callback) is refused as problem+json on every adapter, with HSTS over TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { makeTestCert } from '../e2e/test-cert.js';
import { postOverTls } from '../e2e/https-post.js';

const ADAPTERS: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

for (const adapter of ADAPTERS) {
  describe(`${adapter}: a guard failure`, () => {
    let keys: Keys;
    let app: App;
    let tlsUrl: string;
    const cert = makeTestCert();
    beforeAll(async () => {
      keys = await makeKeys();
      app = await startApp(adapter, baseOptions(keys, { subject: () => { throw new Error(`boom at ${import.meta.url}`); } }));
      tlsUrl = await app.listen({ tls: { key: readFileSync(cert.env.TLS_KEY, 'utf8'), cert: readFileSync(cert.env.TLS_CERT, 'utf8') } });
    });
    afterAll(async () => { await app.close(); cert.remove(); });

    it('is refused as 500 internal_error problem+json with HSTS, no stack trace, no path, the handler never called', async () => {
      const calls = app.backend.calls;
      const res = await postOverTls(tlsUrl, cert.ca, keys.full, chat('internal error please'));
      expect(res.status).toBe(500);
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=/);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const problem = JSON.parse(res.body);
      expect(problem).toMatchObject({ code: 'internal_error', status: 500, error: { code: 'internal_error' } });
      expect(res.body).not.toMatch(/boom|\bat \S+:\d+|\/work\/|node_modules|file:/);
      expect(app.backend.calls).toBe(calls);
    });
  });
}
