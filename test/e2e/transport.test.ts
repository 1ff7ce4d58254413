// Issue 18 end to end: real TLS handshakes against the three example servers, and the outbound-URL start rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey, FileKeyStore } from '@vectorcache/core';
import { startExample, type RunningExample } from './example-server.js';
import { makeTestCert, type TestCert } from './test-cert.js';
import { postOverTls } from './https-post.js';

const post = (url: string, ca: string, key: string) => postOverTls(url, ca, key, { model: 'up-1', messages: [{ role: 'user', content: 'via a loopback upstream' }] });

const EXAMPLES = ['express-chat', 'koa-chat', 'fastify-chat'] as const;
const SECRET = randomBytes(32).toString('hex');

type Handshake = { protocol: string | null } | { error: string };

/** One TLS handshake offering exactly `version`; resolves with the agreed protocol or the error code. */
function handshake(url: string, ca: string, version: 'TLSv1.2' | 'TLSv1.3'): Promise<Handshake> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), ca, servername: 'localhost', minVersion: version, maxVersion: version });
    socket.once('secureConnect', () => { resolve({ protocol: socket.getProtocol() }); socket.destroy(); });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

let cert: TestCert;
beforeAll(() => { cert = makeTestCert(); });
afterAll(() => { cert?.remove(); });

describe.each(EXAMPLES)('%s serves TLS 1.3 only by default', (name) => {
  let server: RunningExample;
  beforeAll(async () => { server = await startExample(name, cert.env); });
  afterAll(async () => { await server?.stop(); });

  it('refuses a client capped at TLS 1.2 and completes a TLS 1.3 handshake', async () => {
    const legacy = await handshake(server.url, cert.ca, 'TLSv1.2');
    expect(legacy).toHaveProperty('error');
    expect((legacy as { error: string }).error).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
    expect(await handshake(server.url, cert.ca, 'TLSv1.3')).toEqual({ protocol: 'TLSv1.3' });
    expect(server.output()).not.toContain('VC_TLS_LEGACY_MIN_VERSION');
  });
});

describe('VECTORCACHE_TLS_MIN_VERSION', () => {
  it('TLSv1.2 lets a TLS 1.2 client in and logs VC_TLS_LEGACY_MIN_VERSION', async () => {
    const server = await startExample('koa-chat', { ...cert.env, VECTORCACHE_TLS_MIN_VERSION: 'TLSv1.2' });
    try {
      expect(await handshake(server.url, cert.ca, 'TLSv1.2')).toEqual({ protocol: 'TLSv1.2' });
      expect(await handshake(server.url, cert.ca, 'TLSv1.3')).toEqual({ protocol: 'TLSv1.3' });
      const line = server.output().split('\n').find((l) => l.includes('VC_TLS_LEGACY_MIN_VERSION'));
      expect(JSON.parse(line!)).toMatchObject({ level: 40, code: 'VC_TLS_LEGACY_MIN_VERSION', msg: expect.stringContaining('VECTORCACHE_TLS_MIN_VERSION=TLSv1.2') });
    } finally {
      await server.stop();
    }
  });

  it('an older or misspelt version refuses to start, naming the variable', async () => {
    await expect(startExample('fastify-chat', { ...cert.env, VECTORCACHE_TLS_MIN_VERSION: 'TLSv1.1' }))
      .rejects.toThrow(/exited with 1:\s*error: VECTORCACHE_TLS_MIN_VERSION must be TLSv1\.3 \(the default\) or TLSv1\.2 \(got "TLSv1\.1"\)/);
  });
});

describe('outbound URLs at start-up', () => {
  it.each(EXAMPLES)('%s in prod refuses a plain-HTTP upstream on a non-loopback host, naming UPSTREAM_BASE_URL', async (name) => {
    const started = startExample(name, { ...cert.env, VECTORCACHE_ENV: 'prod', VECTORCACHE_ENCRYPTION_SECRET: SECRET, UPSTREAM_BASE_URL: 'http://example.invalid/v1' });
    const error = await started.then(async (s) => { await s.stop(); return undefined; }, (e: Error) => e);
    expect(error?.message).toMatch(/exited with 1:\s*error: UPSTREAM_BASE_URL uses plain http:\/\/ to example\.invalid in prod: API keys and prompts would cross the network in clear\. Use https:\/\//);
    expect(error?.message).not.toMatch(/at .*\.ts:\d+/);
  });

  it('outside prod the same upstream starts with a VC_PLAINTEXT_OUTBOUND warning', async () => {
    const server = await startExample('express-chat', { UPSTREAM_BASE_URL: 'http://example.invalid/v1' });
    try {
      const line = server.output().split('\n').find((l) => l.includes('VC_PLAINTEXT_OUTBOUND'));
      expect(JSON.parse(line!)).toMatchObject({ level: 40, code: 'VC_PLAINTEXT_OUTBOUND', msg: expect.stringContaining('UPSTREAM_BASE_URL uses plain http:// to example.invalid') });
    } finally {
      await server.stop();
    }
  });

  describe('in prod, a plain-HTTP upstream on 127.0.0.1 is accepted and used', () => {
    let upstream: Server;
    let calls: string[];
    let dir: string;
    beforeAll(async () => {
      calls = [];
      upstream = createServer((req, res) => {
        calls.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'chatcmpl-up', object: 'chat.completion', created: 1, model: 'up-1', choices: [{ index: 0, message: { role: 'assistant', content: 'from upstream' }, finish_reason: 'stop' }] }));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      dir = mkdtempSync(join(tmpdir(), 'vc-transport-'));
    });
    afterAll(async () => {
      await new Promise((resolve) => upstream.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(EXAMPLES)('%s', async (name) => {
      const store = new FileKeyStore(join(dir, `${name}.json`), { watch: false });
      const { key } = await createKey(store, { environment: 'prod', name: 'e2e', tenant: 't1', scopes: ['cache:read', 'cache:write'] });
      await store.shutdown();
      const port = (upstream.address() as AddressInfo).port;
      const server = await startExample(name, {
        ...cert.env, VECTORCACHE_ENV: 'prod', VECTORCACHE_ENCRYPTION_SECRET: SECRET, VECTORCACHE_KEY_STORE: `file:${join(dir, `${name}.json`)}`,
        UPSTREAM_BASE_URL: `http://127.0.0.1:${port}/v1`, UPSTREAM_API_KEY: 'sk-upstream-test',
      });
      try {
        const before = calls.length;
        const res = await post(server.url, cert.ca, key);
        expect(res.status, res.body).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ choices: [{ message: { content: 'from upstream' } }] });
        expect(calls.slice(before)).toEqual(['POST /v1/chat/completions Bearer sk-upstream-test']);
        expect(server.output()).not.toContain('VC_PLAINTEXT_OUTBOUND');
      } finally {
        await server.stop();
      }
    });
  });
});
