// The plugin takes guard options, `{ guard }`, or a guard itself, as every adapter does.
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { createGuard, createKey, MemoryKeyStore, type Guard } from '@vectorcache/core';
import vectorcache from './index.js';

async function serve(register: (guard: Guard, keys: MemoryKeyStore) => unknown): Promise<{ statuses: Array<string | undefined>; denied: number }> {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const guard = createGuard({ environment: 'dev', keys, silenceWarnings: ['VC_NO_ENCRYPTION'] });
  const app = Fastify();
  await app.register(vectorcache, register(guard, keys) as never);
  app.post('/v1/chat/completions', async () => ({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'hi' } }] }));
  const payload = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };
  const send = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload });
  const statuses: Array<string | undefined> = [];
  for (let i = 0; i < 2; i++) statuses.push((await send({ authorization: `Bearer ${key}` })).headers['x-vectorcache-status'] as string | undefined);
  const denied = (await send({})).statusCode;
  await app.close();
  await guard.close();
  return { statuses, denied };
}

describe('fastify plugin registration forms', () => {
  it('app.register(vectorcache, guard)', async () => {
    expect(await serve((guard) => guard)).toEqual({ statuses: ['miss', 'hit'], denied: 401 });
  });

  it('app.register(vectorcache, { guard })', async () => {
    expect(await serve((guard) => ({ guard }))).toEqual({ statuses: ['miss', 'hit'], denied: 401 });
  });

  it('app.register(vectorcache, options)', async () => {
    expect(await serve((_guard, keys) => ({ environment: 'dev', keys, silenceWarnings: ['VC_NO_ENCRYPTION'] }))).toEqual({ statuses: ['miss', 'hit'], denied: 401 });
  });
});

describe('fastify: a reply hijacked before the guard decides', () => {
  it('is answered as the hook wrote it, after the key check, and is neither looked up nor stored', async () => {
    const keys = new MemoryKeyStore();
    const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
    const guard = createGuard({ environment: 'dev', keys, silenceWarnings: ['VC_NO_ENCRYPTION'] });
    const app = Fastify();
    await app.register(vectorcache, guard as never);
    // preValidation runs after the plugin's onRequest (the key check) and before its preHandler (lookup, capture).
    app.addHook('preValidation', async (request, reply) => {
      if (request.headers['x-raw'] === undefined) return;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'raw' }, finish_reason: 'stop' }] }));
    });
    app.post('/v1/chat/completions', async () => ({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'handler' }, finish_reason: 'stop' }] }));
    const payload = { model: 'm', messages: [{ role: 'user', content: 'hello there' }] };
    const send = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload });
    try {
      expect((await send({ 'x-raw': '1' })).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) {
        const raw = await send({ authorization: `Bearer ${key}`, 'x-raw': '1' });
        expect(raw.statusCode).toBe(200);
        expect(raw.json().choices[0].message.content).toBe('raw');
        expect(raw.headers['x-vectorcache-status']).toBeUndefined();
      }
      const first = await send({ authorization: `Bearer ${key}` });
      expect(first.headers['x-vectorcache-status']).toBe('miss');
      expect(first.json().choices[0].message.content).toBe('handler');
      expect((await send({ authorization: `Bearer ${key}` })).headers['x-vectorcache-status']).toBe('hit');
    } finally {
      await app.close();
      await guard.close();
    }
  });
});
