// The example server serves HTTPS directly from TLS_CERT/TLS_KEY (a certificate made at test time), with HSTS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { startExample, type RunningExample } from './example-server.js';

function post(url: string, ca: string, key: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const target = new URL('/v1/chat/completions', url);
  const body = JSON.stringify({ model: 'offline-1', messages: [{ role: 'user', content: 'over TLS' }] });
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', ca, servername: 'localhost',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('example server over TLS (TLS_CERT / TLS_KEY)', () => {
  let server: RunningExample;
  let ca: string;
  beforeAll(async () => {
    const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      days: 1, keySize: 2048, algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'vc-tls-'));
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
    ca = pems.cert;
    server = await startExample('express-chat', { TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem'), VECTORCACHE_HTTPS_ONLY: 'true' });
  });
  afterAll(async () => { await server?.stop(); });

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
