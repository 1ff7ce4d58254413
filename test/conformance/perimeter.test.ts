// Network perimeter over real sockets in all three adapters: loopback clients, a proxy hop, TLS, lockout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from './harness.js';

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

/** One POST from a chosen local address, so the server sees a real, distinct peer. */
function send(url: string, opts: { localAddress?: string; headers?: Record<string, string>; body?: unknown; ca?: string; family?: 4 | 6 } = {}): Promise<Reply> {
  const target = new URL(url);
  const body = JSON.stringify(opts.body ?? chat('perimeter'));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path: '/v1/chat/completions', method: 'POST',
      localAddress: opts.localAddress, family: opts.family, ca: opts.ca,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...opts.headers },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A minimal reverse proxy: appends the peer address to X-Forwarded-For and connects out from `from`. */
async function startProxy(upstream: string, from: string, proto?: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const prior = req.headers['x-forwarded-for'];
    const chain = [prior, req.socket.remoteAddress].filter(Boolean).join(', ');
    const headers = { ...req.headers, 'x-forwarded-for': chain, ...(proto ? { 'x-forwarded-proto': proto } : {}) };
    const out = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, localAddress: from }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => { res.statusCode = 502; res.end(); });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.9', resolve));
  return {
    url: `http://127.0.0.9:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
  days: 1, keySize: 2048, algorithm: 'sha256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
});
const tls = { key: pems.private, cert: pems.cert };

for (const adapter of ['express', 'koa', 'fastify'] as AdapterName[]) {
  describe(`perimeter: ${adapter}`, () => {
    let keys: Keys;
    beforeAll(async () => { keys = await makeKeys(); });

    describe('allowlist with clients on several loopback addresses', () => {
      let app: App;
      beforeAll(async () => {
        app = await startApp(adapter, baseOptions(keys, { ipAllowlist: ['127.0.0.2/32', '::1/128'] }), '::');
      });
      afterAll(async () => { await app.close(); });
      const auth = () => ({ authorization: `Bearer ${keys.full}` });

      it('127.0.0.2 is allowed, 127.0.0.3 gets 403 ip_not_allowed, ::1 is allowed', async () => {
        const allowed = await send(app.url, { localAddress: '127.0.0.2', headers: auth() });
        expect(allowed.status).toBe(200);
        const denied = await send(app.url, { localAddress: '127.0.0.3', headers: auth() });
        expect(denied.status).toBe(403);
        expect(JSON.parse(denied.body).code).toBe('ip_not_allowed');
        const v6 = await send(app.url.replace('127.0.0.1', '[::1]'), { localAddress: '::1', headers: auth(), family: 6 });
        expect(v6.status).toBe(200);
        expect(app.events.some((e) => e.type === 'ip.denied' && e.clientAddress === '127.0.0.3')).toBe(true);
      });

      it('a spoofed X-Forwarded-For from an untrusted peer is ignored', async () => {
        const res = await send(app.url, { localAddress: '127.0.0.3', headers: { ...auth(), 'x-forwarded-for': '127.0.0.2' } });
        expect(res.status).toBe(403);
      });

      it('the allowlist can be replaced at run time; a bad list throws and leaves the old one', async () => {
        expect(() => app.guard.setIpAllowlist(['127.0.0.1/8'])).toThrow(/ipAllowlist/);
        expect((await send(app.url, { localAddress: '127.0.0.2', headers: auth() })).status).toBe(200);
        app.guard.setIpAllowlist(['127.0.0.3/32']);
        expect((await send(app.url, { localAddress: '127.0.0.2', headers: auth() })).status).toBe(403);
        expect((await send(app.url, { localAddress: '127.0.0.3', headers: auth() })).status).toBe(200);
        app.guard.setIpAllowlist(['127.0.0.2/32', '::1/128']);
      });
    });

    describe('behind a real proxy hop', () => {
      let app: App;
      let proxy: { url: string; close(): Promise<void> };
      beforeAll(async () => {
        app = await startApp(adapter, baseOptions(keys, { ipAllowlist: ['127.0.0.2/32'], trustProxy: ['127.0.0.4'] }));
        proxy = await startProxy(app.url, '127.0.0.4');
      });
      afterAll(async () => { await proxy.close(); await app.close(); });
      const auth = () => ({ authorization: `Bearer ${keys.full}` });

      it('the client is the first untrusted hop: 127.0.0.2 through the proxy is allowed', async () => {
        const res = await send(proxy.url, { localAddress: '127.0.0.2', headers: auth() });
        expect(res.status).toBe(200);
      });

      it('a client that spoofs an allowed leftmost entry through the proxy is still denied', async () => {
        const res = await send(proxy.url, { localAddress: '127.0.0.5', headers: { ...auth(), 'x-forwarded-for': '127.0.0.2' } });
        expect(res.status).toBe(403);
        expect(app.events.some((e) => e.type === 'ip.denied' && e.clientAddress === '127.0.0.5')).toBe(true);
      });

      it('garbage in X-Forwarded-For fails closed', async () => {
        const res = await send(proxy.url, { localAddress: '127.0.0.2', headers: { ...auth(), 'x-forwarded-for': '127.1' } });
        // the proxy appends 127.0.0.2 after the garbage: the rightmost untrusted hop is still valid
        expect(res.status).toBe(200);
        const direct = await send(app.url, { localAddress: '127.0.0.4', headers: { ...auth(), 'x-forwarded-for': '0x7f.1' } });
        expect(direct.status).toBe(403);
      });
    });

    describe('HTTPS only', () => {
      let app: App;
      let tlsUrl: string;
      let proxyTrusted: { url: string; close(): Promise<void> };
      let proxyUntrusted: { url: string; close(): Promise<void> };
      beforeAll(async () => {
        app = await startApp(adapter, baseOptions(keys, { httpsOnly: true, trustProxy: ['127.0.0.4'] }));
        tlsUrl = await app.listen({ tls });
        proxyTrusted = await startProxy(app.url, '127.0.0.4', 'https');
        proxyUntrusted = await startProxy(app.url, '127.0.0.6', 'https');
      });
      afterAll(async () => { await proxyTrusted.close(); await proxyUntrusted.close(); await app.close(); });

      it('plain HTTP → 403 https_required (no redirect) and a key.exposed_over_http event naming the key id', async () => {
        const res = await send(app.url, { headers: { authorization: `Bearer ${keys.full}` } });
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
        expect(JSON.parse(res.body).code).toBe('https_required');
        expect(res.headers.location).toBeUndefined();
        const event = app.events.find((e) => e.type === 'key.exposed_over_http');
        expect(event?.keyId).toMatch(/^key_/);
        expect(JSON.stringify(app.events)).not.toContain(keys.full);
      });

      it('real TLS → 200 with Strict-Transport-Security; denials over TLS carry it too', async () => {
        const ok = await send(tlsUrl, { ca: tls.cert, headers: { authorization: `Bearer ${keys.full}` } });
        expect(ok.status).toBe(200);
        expect(ok.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
        const denied = await send(tlsUrl, { ca: tls.cert });
        expect(denied.status).toBe(401);
        expect(denied.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      });

      it('X-Forwarded-Proto: https counts only from a trusted proxy', async () => {
        const trusted = await send(proxyTrusted.url, { headers: { authorization: `Bearer ${keys.full}` } });
        expect(trusted.status).toBe(200);
        const untrusted = await send(proxyUntrusted.url, { headers: { authorization: `Bearer ${keys.full}` } });
        expect(untrusted.status).toBe(403);
        expect(JSON.parse(untrusted.body).code).toBe('https_required');
      });
    });

    describe('failure lockout', () => {
      let app: App;
      beforeAll(async () => {
        app = await startApp(adapter, baseOptions(keys, { lockout: { maxFailures: 3, windowMs: 60_000 } }), '::');
      });
      afterAll(async () => { await app.close(); });

      it('too many failures from one address → 429 with Retry-After; other addresses unaffected', async () => {
        for (const key of ['nope', keys.revoked, keys.prod]) {
          const res = await send(app.url, { localAddress: '127.0.0.7', headers: { authorization: `Bearer ${key}` } });
          expect(res.status).toBe(401);
        }
        const locked = await send(app.url, { localAddress: '127.0.0.7', headers: { authorization: `Bearer ${keys.full}` } });
        expect(locked.status).toBe(429);
        expect(JSON.parse(locked.body).code).toBe('too_many_failures');
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
        const other = await send(app.url, { localAddress: '127.0.0.8', headers: { authorization: `Bearer ${keys.full}` } });
        expect(other.status).toBe(200);
        expect(app.events.some((e) => e.type === 'auth.lockout' && e.clientAddress === '127.0.0.7')).toBe(true);
      });

      it('a missing key counts as a failure too', async () => {
        for (let i = 0; i < 3; i++) expect((await send(app.url, { localAddress: '127.0.0.10' })).status).toBe(401);
        expect((await send(app.url, { localAddress: '127.0.0.10', headers: { authorization: `Bearer ${keys.full}` } })).status).toBe(429);
      });
    });
  });
}
