// A failure inside the guard (here: a throwing subject() callback) is refused as problem+json on every adapter, with HSTS over TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { makeTestCert } from '../e2e/test-cert.js';

const ADAPTERS: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

function post(url: string, key: string, ca: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(chat('internal error please'));
    const req = httpsRequest(`${url}/v1/chat/completions`, {
      method: 'POST', ca, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

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
      const res = await post(tlsUrl, keys.full, cert.ca);
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
