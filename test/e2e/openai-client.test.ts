// Drives each example server with the official `openai` client: a repeat is a hit, streaming works, revocation applies live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { run } from '@vectorcache/cli';
import { generateApiKey } from '@vectorcache/core';
import { join } from 'node:path';
import { startExample, type RunningExample } from './example-server.js';

const silent = { write: () => true } as unknown as NodeJS.WritableStream;

for (const name of ['express-chat', 'koa-chat', 'fastify-chat'] as const) {
  describe(`example ${name} with the openai client`, () => {
    let server: RunningExample;
    let client: OpenAI;
    beforeAll(async () => {
      server = await startExample(name);
      expect(server.key).toMatch(/^vc_dev_/);
      client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.key!, maxRetries: 0 });
    });
    afterAll(async () => { await server?.stop(); });

    it('prints a working dev key on first start and answers /healthz without one', async () => {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
    });

    it('a repeated request is a hit with the same answer', async () => {
      const params = { model: 'offline-1', messages: [{ role: 'user' as const, content: `What is a cache? ${name}` }] };
      const first = await client.chat.completions.create(params).withResponse();
      expect(first.response.headers.get('x-vectorcache-status')).toBe('miss');
      const second = await client.chat.completions.create(params).withResponse();
      expect(second.response.headers.get('x-vectorcache-status')).toBe('hit');
      expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
      expect(second.response.headers.get('age')).toMatch(/^\d+$/);
    });

    it('a streamed repeat is a replayed hit the client iterates to the same text, with usage on the last chunk when asked', async () => {
      const params = { model: 'offline-1', stream: true as const, messages: [{ role: 'user' as const, content: `Stream please ${name}` }] };
      const read = async (extra: { stream_options?: { include_usage: boolean } } = {}) => {
        const { data: stream, response } = await client.chat.completions.create({ ...params, ...extra }).withResponse();
        const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        return { status: response.headers.get('x-vectorcache-status'), text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), chunks };
      };
      const miss = await read({ stream_options: { include_usage: true } });
      expect(miss.status).toBe('miss');
      expect(miss.text).toContain('Stream please');
      const hit = await read({ stream_options: { include_usage: true } });
      expect(hit.status).toBe('hit');
      expect(hit.text).toBe(miss.text);
      expect(hit.chunks.filter((c) => c.choices[0]?.delta?.content).length).toBeGreaterThan(1);
      expect(hit.chunks.at(-1)!.choices).toEqual([]);
      expect(hit.chunks.at(-1)!.usage).toEqual(miss.chunks.at(-1)!.usage);
      const bare = await read();
      expect(bare.status).toBe('hit');
      expect(bare.text).toBe(miss.text);
      expect(bare.chunks.every((c) => c.usage === undefined)).toBe(true);
      const json = await client.chat.completions.create({ model: 'offline-1', messages: params.messages });
      expect(json.choices[0]!.message.content).toBe(miss.text);
    });

    it('a bad key gets a coded 401 the client surfaces as AuthenticationError', async () => {
      const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
      await expect(bad.chat.completions.create({ model: 'offline-1', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    });

    it('a wrong key: the client error carries our detail and code (OpenAI `error` member beside RFC 9457)', async () => {
      const wrongKey = generateApiKey('dev').key;
      const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: wrongKey, maxRetries: 0 });
      const error = await wrong.chat.completions.create({ model: 'offline-1', messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
      // The same request without the client: the problem document whose detail the client shows.
      const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${wrongKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'offline-1', messages: [{ role: 'user', content: 'x' }] }) });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string; error: { message: string; code: string } };
      expect(problem).toMatchObject({ status: 401, code: 'invalid_api_key', error: { message: problem.detail, type: 'authentication_error', code: 'invalid_api_key' } });
      expect((error as Error).message).toContain(problem.detail);
      expect((error as Error).message).not.toMatch(/no body/);
    });

    it('a key revoked with the CLI is refused by the running server within 1 s', async () => {
      const store = `file:${join(server.dir, 'keys.json')}`;
      let out = '';
      const io = { stdout: { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream, stderr: silent, env: {} };
      expect(await run(['keys', 'create', '--env', 'dev', '--name', 'e2e', '--scopes', 'cache:read', '--store', store, '--json'], io)).toBe(0);
      const created = JSON.parse(out) as { key: string; id: string };
      const victim = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: created.key, maxRetries: 0 });
      // The server may need a moment to notice the new key, too.
      const deadline = Date.now() + 1500;
      for (;;) {
        try { await victim.chat.completions.create({ model: 'offline-1', messages: [{ role: 'user', content: 'ping' }] }); break; } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      expect(await run(['keys', 'revoke', created.id, '--store', store, '--json'], { ...io, stdout: silent })).toBe(0);
      const revokedAt = Date.now();
      let refusedAfter = -1;
      while (Date.now() - revokedAt < 3000) {
        const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'offline-1', messages: [{ role: 'user', content: 'ping' }] }) });
        if (res.status === 401) {
          expect(((await res.json()) as { code: string }).code).toBe('key_revoked');
          refusedAfter = Date.now() - revokedAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(refusedAfter).toBeGreaterThanOrEqual(0);
      expect(refusedAfter).toBeLessThanOrEqual(1000);
    });
  });
}
