// The example server serves HTTPS directly from TLS_CERT/TLS_KEY (a certificate made at test time), with HSTS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample, type RunningExample } from './example-server.js';
import { postOverTls } from './https-post.js';
import { makeTestCert, type TestCert } from './test-cert.js';

const post = (url: string, ca: string, key: string) => postOverTls(url, ca, key, { model: 'offline-1', messages: [{ role: 'user', content: 'over TLS' }] });

describe('example server over TLS (TLS_CERT / TLS_KEY)', () => {
  let server: RunningExample;
  let ca: string;
  let cert: TestCert;
  beforeAll(async () => {
    cert = makeTestCert();
    ca = cert.ca;
    server = await startExample('express-chat', { ...cert.env, VECTORCACHE_HTTPS_ONLY: 'true' });
  });
  afterAll(async () => { await server?.stop(); cert?.remove(); });

  it('listens on https, answers a guarded request and sends Strict-Transport-Security', async () => {
    expect(server.url).toMatch(/^https:\/\//);
    const res = await post(server.url, ca, server.key!);
    expect(res.status).toBe(200);
    expect(res.headers['x-vectorcache-status']).toBe('miss');
    expect(String(res.headers['strict-transport-security'])).toMatch(/^max-age=\d+/);
  });

  it('refuses a client that does not trust the certificate', async () => {
    await expect(post(server.url, '', server.key!)).rejects.toThrow(/certificate/i);
  });
});
