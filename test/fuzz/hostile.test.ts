// Property-based fuzz suite: hostile bodies and header sets over real HTTP to every adapter; no 5xx, no stack trace, no hang.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, type PiiAction } from '@vectorcache/core';
import { vectorcache as expressGuard } from '@vectorcache/express';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { hostileBody, hostileHeaders, type HostileBody, type HostileHeaders } from './hostile-inputs.js';
import { rawRequest, type RawResponse } from './raw-http.js';

/** Cases per adapter and PII action: bounded so the whole suite stays well under 30 s in CI. */
const RUNS = 30;
const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
const ACTIONS: PiiAction[] = ['bypass', 'block', 'redact'];

/** What a leaked stack trace or internal path looks like in a response body. */
const STACK = /\bat [^\n]*\(?[^\s()]+:\d+:\d+\)?|node_modules|\/work\/|[A-Za-z]:\\|\.ts:\d+|Error: [^"]*\n/;

function expectSafe(response: RawResponse, label: string): void {
  expect(response.status, `${label}: status ${response.status}`).toBeGreaterThanOrEqual(200);
  expect(response.status, `${label}: status ${response.status}, body ${response.body.slice(0, 200)}`).toBeLessThan(500);
  expect(STACK.test(response.body), `${label}: stack trace or path in the body`).toBe(false);
}

function send(app: App, keys: Keys, body: HostileBody, headers: HostileHeaders): Promise<RawResponse> {
  const lines = headers.authorized ? [['Authorization', `Bearer ${keys.full}`] as [string, string], ...headers.lines] : headers.lines;
  return rawRequest(app.url, { method: 'POST', path: '/v1/chat/completions', headers: lines, body: body.bytes }, 10_000);
}

/** A normal request afterwards: the server still answers. */
async function expectHealthy(app: App, keys: Keys): Promise<void> {
  // Letters only: digits could read as PII and be refused under block.
  const tag = Math.random().toString(36).replace(/[^a-z]/g, 'x');
  const body = Buffer.from(JSON.stringify(chat(`still alive ${tag}`)));
  const response = await rawRequest(app.url, { method: 'POST', path: '/v1/chat/completions', headers: [['Authorization', `Bearer ${keys.full}`], ['Content-Type', 'application/json']], body });
  expect(response.status).toBe(200);
  expect(JSON.parse(response.body)).toMatchObject({ object: 'chat.completion' });
}

let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

for (const adapter of ADAPTERS) {
  describe(`fuzz: ${adapter}`, () => {
    const apps = new Map<PiiAction, App>();
    beforeAll(async () => {
      // Behind a trusted (loopback) proxy, so hostile X-Forwarded-For / Forwarded values are walked too.
      for (const action of ACTIONS) apps.set(action, await startApp(adapter, baseOptions(keys, { pii: { action }, trustProxy: 'loopback' })));
    });
    afterAll(async () => {
      await Promise.all([...apps.values()].map((app) => app.close()));
    });

    for (const action of ACTIONS) {
      it(`hostile bodies and headers under pii ${action}: no 5xx, no stack trace, no hang, healthy afterwards`, async () => {
        const app = apps.get(action)!;
        await fc.assert(fc.asyncProperty(hostileBody, hostileHeaders, async (body, headers) => {
          const response = await send(app, keys, body, headers);
          if (process.env.FUZZ_TRACE) console.log(adapter, action, body.kind, body.bytes.length, headers.lines.length, response.status, response.body.slice(0, 80));
          expectSafe(response, `${adapter}/${action} ${body.kind} (${body.bytes.length} bytes, ${headers.lines.length} header lines)`);
        }), { numRuns: RUNS, endOnFailure: true });
        await expectHealthy(app, keys);
      }, 60_000);
    }

    it('bodies nested past the cap are a coded 400 invalid_body, not a 500', async () => {
      const app = apps.get('redact')!;
      await fc.assert(fc.asyncProperty(fc.integer({ min: 65, max: 20_000 }), fc.constantFrom('[', '{"a":'), async (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const inner = open.repeat(depth) + '0' + close.repeat(depth);
        const bytes = Buffer.from(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":${inner}}`);
        const response = await send(app, keys, { kind: 'nested', bytes }, { authorized: true, lines: [['Content-Type', 'application/json']] });
        expectSafe(response, `${adapter} nesting ${depth}`);
        expect(response.status).toBe(400);
        expect(JSON.parse(response.body)).toMatchObject({ code: 'invalid_body' });
      }), { numRuns: 8 });
    });
  });
}

describe('fuzz: a body the framework parsed (express.json() before the guard)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.use(express.json({ limit: '2mb' }));
    app.use(expressGuard(createGuard(baseOptions(keys, { pii: { action: 'redact' } }))));
    app.post('/v1/chat/completions', (_req, res) => { res.json({ object: 'chat.completion', choices: [] }); });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // Needs the gate's body stage to call jsonDepthExceeds(body, MAX_JSON_DEPTH) (issue 13 item 2, wired by the lead).
  it('deep nesting is a coded 400 invalid_body, never a 5xx (400 once the gate calls jsonDepthExceeds)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 65, max: 50_000 }), async (depth) => {
      const bytes = Buffer.from(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      const response = await rawRequest(url, { method: 'POST', path: '/v1/chat/completions', headers: [['Authorization', `Bearer ${keys.full}`], ['Content-Type', 'application/json']], body: bytes });
      expectSafe(response, `express.json() nesting ${depth}`);
      expect(response.status).toBe(400);
    }), { numRuns: 6 });
  });
});
