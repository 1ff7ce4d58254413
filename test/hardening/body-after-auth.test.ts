// Issue 13 item 7 on every adapter: denials are answered from the headers alone, and a trickling body times out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect } from 'node:net';
import { baseOptions, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';

const ADAPTERS: AdapterName[] = ['express', 'express4', 'koa', 'fastify'];

interface Raw { status: number; headers: Record<string, string>; body: string; closed: boolean; ms: number }

/**
 * Sends the request head and `sent` bytes of a body that declares `declared` bytes, then waits (never
 * sending the rest): an answer proves the server did not wait for the body.
 */
function partial(app: App, head: Record<string, string>, declared: number, sent: string, waitMs = 5_000): Promise<Raw> {
  const url = new URL(app.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let raw = '';
    let closed = false;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within ${waitMs} ms`)); }, waitMs);
    const finish = (): void => {
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return;
      const lines = raw.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      const length = Number(headers['content-length'] ?? NaN);
      const body = raw.slice(split + 4);
      if (Number.isFinite(length) && Buffer.byteLength(body) < length && !closed) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body, closed, ms: Date.now() - started });
    };
    socket.on('data', (c: Buffer) => { raw += c.toString('latin1'); finish(); });
    socket.on('end', () => { closed = true; finish(); });
    socket.on('error', () => { closed = true; finish(); });
    const lines = [`POST /v1/chat/completions HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/json', `Content-Length: ${declared}`,
      ...Object.entries(head).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${sent}`);
  });
}

for (const adapter of ADAPTERS) {
  describe(`${adapter}: the body is read only after the key check`, () => {
    let keys: Keys;
    let app: App;
    let locked: App;
    beforeAll(async () => {
      keys = await makeKeys();
      app = await startApp(adapter, baseOptions(keys, { bodyTimeoutMs: 400 }));
      locked = await startApp(adapter, baseOptions(keys, { lockout: { maxFailures: 2, windowMs: 60_000 } }));
    });
    afterAll(async () => { await app.close(); await locked.close(); });

    it('keyless or bad-key requests declaring large bodies are refused at once and the connection closes', async () => {
      await fc.assert(fc.asyncProperty(
        fc.integer({ min: 1024, max: 1_048_576 }),
        fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer nope' }, { 'x-api-key': 'vc_dev_notakey' }),
        async (declared, head) => {
          const res = await partial(app, head, declared, '{"model":"x"');
          expect(res.status).toBe(401);
          expect(res.headers.connection).toBe('close');
          expect(JSON.parse(res.body).code).toMatch(/^(missing|malformed|invalid)_api_key$/);
        },
      ), { numRuns: 8 });
    });

    it('a locked-out address is refused from its headers, even with a valid key', async () => {
      for (let i = 0; i < 3; i++) await partial(locked, { authorization: 'Bearer nope' }, 10, '');
      const res = await partial(locked, { authorization: `Bearer ${keys.full}` }, 1_000_000, '{');
      expect(res.status).toBe(429);
      expect(res.headers.connection).toBe('close');
    });

    it('an authenticated body that trickles in gets 408 body_timeout and the connection closes', async () => {
      const res = await partial(app, { authorization: `Bearer ${keys.full}` }, 500, '{"model": "gpt-test", "mess');
      expect(res.status).toBe(408);
      expect(JSON.parse(res.body).code).toBe('body_timeout');
      expect(res.headers.connection).toBe('close');
      expect(res.ms).toBeGreaterThanOrEqual(300);
    });
  });
}
