// Builds the same guarded app on Express, Koa and Fastify, so one table of cases runs against all three.
import { afterAll, beforeAll } from 'vitest';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import express from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Fastify from 'fastify';
import {
  createGuard, createKey, MemoryCacheStore, MemoryKeyStore, rotateKey, revokeKey,
  type Guard, type GuardEvent, type GuardOptions, type KeyStore,
} from '@vectorcache/core';
import { vectorcache as expressGuard } from '@vectorcache/express';
import { vectorcache as koaGuard } from '@vectorcache/koa';
import { vectorcache as fastifyGuard } from '@vectorcache/fastify';

/** What the test route answers; tests change it per case. */
export interface Backend {
  calls: number;
  /** Bodies the handler saw, to check redaction. */
  seen: unknown[];
  /** The JSON the handler returns (default: a chat completion echoing the last message). */
  answer?: (body: Record<string, unknown>) => unknown;
  status?: number;
  headers?: Record<string, string>;
  /** Wait before answering, in ms (concurrent identical requests then overlap). */
  delayMs?: number;
  /** Pause between SSE events, in ms. */
  frameDelayMs?: number;
  /** The SSE events of a streamed answer (each a whole `data: …\n\n`); defaults to chat chunks of the echo answer. */
  events?: (body: Record<string, unknown>) => string[];
  /** Answer on the raw node response past the framework's send path: `res.writeHead` on Express, `ctx.respond = false` on Koa, `reply.hijack()` on Fastify. */
  raw?: boolean;
}

export interface App {
  url: string;
  /** Serves the same app on another socket (e.g. TLS, or another host); closed with the app. */
  listen(options: { host?: string; tls?: { key: string; cert: string } }): Promise<string>;
  guard: Guard;
  backend: Backend;
  events: GuardEvent[];
  close(): Promise<void>;
}

/** `express4` is the same adapter on Express 4 (its middleware contract differs on async errors). */
export type AdapterName = 'express' | 'express4' | 'koa' | 'fastify';

function defaultAnswer(body: Record<string, unknown>): unknown {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1] as { content?: unknown } | undefined;
  return {
    id: 'chatcmpl-test', object: 'chat.completion', model: body.model ?? 'test',
    choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${String(last?.content ?? '')}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  };
}

/** OpenAI-style chunks of the echo answer: role first, a word per chunk, finish reason, usage when asked, [DONE]. */
export function chatEvents(body: Record<string, unknown>): string[] {
  const answer = defaultAnswer(body) as { id: string; model: unknown; choices: Array<{ message: { content: string } }>; usage: unknown };
  const usage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const frame = (choices: unknown[], extra: object = usage ? { usage: null } : {}) =>
    `data: ${JSON.stringify({ id: answer.id, object: 'chat.completion.chunk', created: 1_700_000_000, model: answer.model, choices, ...extra })}\n\n`;
  const words = answer.choices[0]!.message.content.split(' ');
  return [
    frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...words.map((word, i) => frame([{ index: 0, delta: { content: (i ? ' ' : '') + word }, finish_reason: null }])),
    frame([{ index: 0, delta: {}, finish_reason: 'stop' }]),
    ...(usage ? [frame([], { usage: answer.usage })] : []),
    'data: [DONE]\n\n',
  ];
}

async function* sse(backend: Backend, body: unknown): AsyncIterable<string> {
  for (const event of (backend.events ?? chatEvents)((body ?? {}) as Record<string, unknown>)) {
    if (backend.frameDelayMs) await new Promise((resolve) => setTimeout(resolve, backend.frameDelayMs));
    yield event;
  }
}

async function respond(backend: Backend, body: unknown): Promise<{ status: number; headers: Record<string, string>; json?: unknown; stream?: boolean }> {
  backend.calls++;
  backend.seen.push(body);
  if (backend.delayMs) await new Promise((resolve) => setTimeout(resolve, backend.delayMs));
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.stream === true) return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...backend.headers }, stream: true };
  return { status: backend.status ?? 200, headers: backend.headers ?? {}, json: (backend.answer ?? defaultAnswer)(b) };
}

type Answer = Awaited<ReturnType<typeof respond>>;

/** Writes the answer straight to the node response: writeHead, then the SSE events (after the handler returned) or the JSON. */
function writeRaw(res: ServerResponse, backend: Backend, body: unknown, out: Answer): void {
  if (out.stream) {
    res.writeHead(out.status, out.headers);
    void (async () => { for await (const e of sse(backend, body)) res.write(e); res.end(); })();
    return;
  }
  res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
  res.end(JSON.stringify(out.json));
}

async function listen(server: Server, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** Starts a guarded app on a real socket. `host` may be '::' to accept IPv4 and IPv6 loopback clients. */
export async function startApp(adapter: AdapterName, options: GuardOptions, host = '127.0.0.1'): Promise<App> {
  const events: GuardEvent[] = [];
  const guard = createGuard({ ...options, onEvent: (e) => { events.push(e); options.onEvent?.(e); } });
  const backend: Backend = { calls: 0, seen: [] };
  let listener: RequestListener;
  let extraClose: () => Promise<void> = async () => {};

  if (adapter === 'express' || adapter === 'express4') {
    const app = (adapter === 'express' ? express : express4)();
    app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
    app.use(expressGuard(guard));
    app.all('/v1/chat/completions', async (req, res) => {
      if (req.method !== 'POST') { res.status(200).json({ method: req.method }); return; }
      const out = await respond(backend, req.body);
      if (backend.raw) { writeRaw(res, backend, req.body, out); return; }
      res.status(out.status).set(out.headers);
      if (out.stream) {
        res.flushHeaders();
        void (async () => { for await (const e of sse(backend, req.body)) res.write(e); res.end(); })();
        return;
      }
      res.json(out.json);
    });
    listener = app;
  } else if (adapter === 'koa') {
    const app = new Koa();
    const guarded = koaGuard(guard);
    app.use(async (ctx, next) => {
      if (ctx.path === '/healthz') { ctx.body = { ok: true }; return; }
      await guarded(ctx, next);
    });
    app.use(async (ctx) => {
      if (ctx.path !== '/v1/chat/completions') { ctx.status = 404; return; }
      if (ctx.method !== 'POST') { ctx.body = { method: ctx.method }; return; }
      const body = (ctx.request as { body?: unknown }).body;
      const out = await respond(backend, body);
      if (backend.raw) { ctx.respond = false; writeRaw(ctx.res, backend, body, out); return; }
      ctx.status = out.status;
      ctx.set(out.headers);
      if (out.stream) {
        const stream = new PassThrough();
        ctx.body = stream;
        void (async () => { for await (const e of sse(backend, body)) stream.write(e); stream.end(); })();
        return;
      }
      ctx.body = out.json;
      // Koa sets a JSON type when an object body is assigned: the handler's own headers win, as on the other adapters.
      ctx.set(out.headers);
    });
    listener = app.callback();
  } else {
    const app = Fastify();
    await app.register(async (open) => { open.get('/healthz', async () => ({ ok: true })); });
    await app.register(async (scope) => {
      await scope.register(fastifyGuard, { guard });
      scope.all('/v1/chat/completions', async (request, reply) => {
        if (request.method !== 'POST') return { method: request.method };
        const out = await respond(backend, request.body);
        if (backend.raw) { reply.hijack(); writeRaw(reply.raw, backend, request.body, out); return reply; }
        reply.code(out.status).headers(out.headers);
        if (out.stream) {
          const stream = new PassThrough();
          void (async () => { for await (const e of sse(backend, request.body)) stream.write(e); stream.end(); })();
          return reply.send(stream);
        }
        return reply.send(out.json);
      });
    });
    await app.ready();
    listener = (req, res) => app.routing(req, res);
    extraClose = () => app.close();
  }
  const servers: Server[] = [];
  const serve = async (opts: { host?: string; tls?: { key: string; cert: string } }): Promise<string> => {
    const server: Server = opts.tls ? createTlsServer(opts.tls, listener) : createServer(listener);
    servers.push(server);
    const url = await listen(server, opts.host ?? '127.0.0.1');
    const local = url.replace('://::', '://127.0.0.1');
    return opts.tls ? local.replace('http://', 'https://') : local;
  };
  const url = await serve({ host });
  return {
    url, listen: serve,
    guard, backend, events,
    async close() {
      await Promise.all(servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }));
      await extraClose();
      await guard.close();
    },
  };
}

export interface Keys {
  store: KeyStore;
  full: string;
  readOnly: string;
  writeOnly: string;
  noCache: string;
  analytics: string;
  privacy: string;
  otherTenant: string;
  otherTenantPrivacy: string;
  prod: string;
  revoked: string;
  expired: string;
  rotatedInGrace: string;
  rotatedSuccessor: string;
  rotatedOut: string;
}

/** One memory key store with a key for every case; the guard runs in `dev`. */
export async function makeKeys(): Promise<Keys> {
  const store = new MemoryKeyStore();
  const make = async (scopes: string[], extra: { tenant?: string; environment?: string; expiresInMs?: number; now?: Date } = {}) =>
    (await createKey(store, { environment: extra.environment ?? 'dev', name: 'test', scopes, tenant: extra.tenant ?? 'acme', expiresInMs: extra.expiresInMs, now: extra.now })).key;
  const full = await make(['cache:read', 'cache:write']);
  const readOnly = await make(['cache:read']);
  const writeOnly = await make(['cache:write']);
  const noCache = await make(['analytics:read']);
  const analytics = await make(['analytics:read', 'cache:*']);
  const privacy = await make(['privacy:admin', 'cache:read', 'cache:write']);
  const otherTenant = await make(['*'], { tenant: 'globex' });
  const otherTenantPrivacy = await make(['privacy:admin'], { tenant: 'globex' });
  const prod = await make(['*'], { environment: 'prod' });
  const revokedKey = await createKey(store, { environment: 'dev', name: 'revoked', scopes: ['*'], tenant: 'acme' });
  await revokeKey(store, revokedKey.record.id);
  const expired = await make(['*'], { expiresInMs: 1000, now: new Date(Date.now() - 60_000) });
  const toRotate = await createKey(store, { environment: 'dev', name: 'rotating', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const rotated = await rotateKey(store, toRotate.record.id, { graceMs: 3_600_000 });
  const toRetire = await createKey(store, { environment: 'dev', name: 'retired', scopes: ['*'], tenant: 'acme' });
  await rotateKey(store, toRetire.record.id, { graceMs: 0, now: new Date(Date.now() - 1000) });
  return {
    store, full, readOnly, writeOnly, noCache, analytics, privacy, otherTenant, otherTenantPrivacy, prod,
    revoked: revokedKey.key, expired, rotatedInGrace: toRotate.key, rotatedSuccessor: rotated.key, rotatedOut: toRetire.key,
  };
}

/** Base options for the conformance apps: memory stores, lockout high enough not to interfere. */
export function baseOptions(keys: Keys, extra: Partial<GuardOptions> = {}): GuardOptions {
  return {
    environment: 'dev',
    keys: keys.store,
    cache: new MemoryCacheStore(),
    encryption: { secret: 'conformance-secret-conformance-secret-0123', iterations: 1000 },
    lockout: { maxFailures: 1000, windowMs: 60_000 },
    silenceWarnings: ['VC_SHARED_STORE', 'VC_ENCRYPTION_LOW_ITERATIONS'],
    ...extra,
  };
}

export function chat(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-test', messages: [{ role: 'user', content }], ...extra };
}

/** One guarded app per describe block: a fresh key set and an app on `adapter`, closed after the block. */
export interface SuiteApp { keys: Keys; app: App }

export function suiteApp(adapter: AdapterName, extra: Partial<GuardOptions> = {}): SuiteApp {
  const suite = {} as SuiteApp;
  beforeAll(async () => {
    suite.keys = await makeKeys();
    suite.app = await startApp(adapter, baseOptions(suite.keys, extra));
  });
  afterAll(async () => { await suite.app.close(); });
  return suite;
}
