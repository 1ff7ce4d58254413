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
