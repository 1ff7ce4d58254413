// The OpenAI-compatible client against a real local HTTP server: batching, normalising, timeouts, coded errors without the key.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../../errors.js';
import { EmbedderError } from './errors.js';
import { openAIEmbedder } from './openai.js';

const KEY = 'sk-test-SECRET-0123456789abcdef';
type Handler = (body: { model: string; input: string[]; dimensions?: number }, req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let baseURL: string;
let handler: Handler;
const requests: Array<{ auth: string | undefined; body: { model: string; input: string[]; dimensions?: number } }> = [];

/** A deterministic fake model: vector = [length of text, 1, 0, 0] (not normalised, so the client must normalise). */
const fakeModel: Handler = (body, _req, res) => {
  const data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, 1, 0, 0] }));
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ object: 'list', model: body.model, data: data.reverse() }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; input: string[] };
      requests.push({ auth: req.headers.authorization, body });
      if (req.url !== '/v1/embeddings') {
        res.statusCode = 404;
        res.end();
        return;
      }
      handler(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  handler = fakeModel;
});

async function rejection(p: unknown): Promise<EmbedderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EmbedderError);
    expect(String((e as Error).message)).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(KEY);
    return e as EmbedderError;
  }
  throw new Error('expected a rejection');
}

describe('openAIEmbedder', () => {
  it('batches texts, sends the key and model, keeps the order and L2-normalises', async () => {
    const e = openAIEmbedder({ baseURL, apiKey: KEY, model: 'local-model', dimensions: 4, batchSize: 2 });
    expect(e.id).toBe('openai:local-model');
    expect(e.version).toMatch(/^4@[0-9a-f]{8}$/);
    const out = await e.embed(['a', 'bbb', 'cc', 'dddd', 'e']);
    expect(requests.map((r) => r.body.input)).toEqual([['a', 'bbb'], ['cc', 'dddd'], ['e']]);
    expect(requests.every((r) => r.auth === `Bearer ${KEY}` && r.body.model === 'local-model')).toBe(true);
    expect(requests.every((r) => r.body.dimensions === undefined)).toBe(true);
    const expected = (n: number) => [n / Math.hypot(n, 1), 1 / Math.hypot(n, 1), 0, 0];
    for (const [i, v] of out.entries()) expect(Array.from(v)).toEqual(expected([1, 3, 2, 4, 1][i] as number).map(Math.fround));
    expect(await e.embed([])).toEqual([]);
  });

  it('asks OpenAI v3 models for a reduced size and knows their native sizes', async () => {
    handler = (body, req, res) => fakeModel({ ...body }, req, res);
    expect(openAIEmbedder({ baseURL, model: 'text-embedding-3-small' }).dimensions).toBe(1536);
    const e = openAIEmbedder({ baseURL, model: 'text-embedding-3-small', dimensions: 4 });
    await e.embed(['hello']);
    expect(requests[0]?.body.dimensions).toBe(4);
    expect(requests[0]?.auth).toBeUndefined();
  });

  it('rejects an HTTP error with its status and code, never the key or the server text that echoes it', async () => {
    handler = (_b, _r, res) => {
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, code: 'invalid_api_key' } }));
    };
    const err = await rejection(openAIEmbedder({ baseURL, apiKey: KEY, model: 'm', dimensions: 4 }).embed(['x']));
    expect(err.code).toBe('embedder_http_error');
    expect(err.status).toBe(401);
    expect(err.message).toContain('invalid_api_key');
  });

  it('times out a slow server, and honours the caller abort', async () => {
    handler = (body, req, res) => setTimeout(() => fakeModel(body, req, res), 400);
    const slow = openAIEmbedder({ baseURL, apiKey: KEY, model: 'm', dimensions: 4, timeoutMs: 50 });
    const started = Date.now();
    expect((await rejection(slow.embed(['x']))).code).toBe('embedder_timeout');
    expect(Date.now() - started).toBeLessThan(350);
    const caller = new AbortController();
    const patient = openAIEmbedder({ baseURL, model: 'm', dimensions: 4, timeoutMs: 5000 });
    const pending = patient.embed(['x'], { signal: caller.signal });
    setTimeout(() => caller.abort(), 20);
    expect((await rejection(pending)).code).toBe('embedder_aborted');
  });

  it('rejects malformed answers: not JSON, wrong count, wrong length, non-finite, oversized', async () => {
    const e = openAIEmbedder({ baseURL, model: 'm', dimensions: 4 });
    const answer = (text: string) => (handler = (_b, _r, res) => res.end(text));
    answer('<html>');
    expect((await rejection(e.embed(['x']))).code).toBe('embedder_bad_response');
    answer(JSON.stringify({ data: [] }));
    expect((await rejection(e.embed(['x']))).code).toBe('embedder_bad_response');
    answer(JSON.stringify({ data: [{ index: 0, embedding: [1, 2, 3] }] }));
    expect((await rejection(e.embed(['x']))).code).toBe('embedder_bad_output');
    answer('{"data":[{"index":0,"embedding":[1,2,3,1e999]}]}');
    expect((await rejection(e.embed(['x']))).code).toBe('embedder_bad_output');
    answer(JSON.stringify({ data: [{ index: 0, embedding: new Array(100_000).fill(1) }] }));
    expect((await rejection(e.embed(['x']))).code).toBe('embedder_bad_response');
  });

  it('rejects an unreachable server as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await rejection(openAIEmbedder({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: KEY, model: 'm', dimensions: 4 }).embed(['x']));
    expect(err.code).toBe('embedder_unavailable');
  });

  it('validates its options at construction, naming the option', () => {
    const bad = (o: object, option: string) => {
      try {
        openAIEmbedder(o as never);
      } catch (e) {
        expect(e).toBeInstanceOf(VectorcacheOptionError);
        expect((e as VectorcacheOptionError).option).toBe(option);
        expect((e as Error).message).not.toContain(KEY);
        return;
      }
      throw new Error(`expected ${option} to be refused`);
    };
    bad({ baseURL: 'ftp://x', model: 'm', dimensions: 4 }, 'baseURL');
    bad({ baseURL: `http://u:${KEY}@127.0.0.1/v1`, model: 'm', dimensions: 4 }, 'baseURL');
    bad({ baseURL, model: '', dimensions: 4 }, 'model');
    bad({ baseURL, model: 'unknown-model' }, 'dimensions');
    bad({ baseURL, model: 'm', dimensions: 4, batchSize: 0 }, 'batchSize');
    bad({ baseURL, model: 'm', dimensions: 4, timeoutMs: -1 }, 'timeoutMs');
    bad({ baseURL, model: 'm', dimensions: 4, apiKey: `${KEY}\n` }, 'apiKey');
  });
});
