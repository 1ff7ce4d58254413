// The node response tap: the recorder sees the head however the handler set it, every chunk, and the end.
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AnswerRecorder } from './contract.js';
import { recordNodeResponse } from './node-answer.js';

interface Seen {
  heads: Array<{ status: number; headers: Record<string, unknown> }>;
  body: string;
  ended: boolean;
}

/** Serves one request with `handler`, its response tapped by a recorder that notes what it is fed. */
async function tapped(handler: (res: ServerResponse) => void): Promise<Seen> {
  const seen: Seen = { heads: [], body: '', ended: false };
  const recorder: AnswerRecorder = {
    head: (status, headers) => { seen.heads.push({ status, headers: { ...headers } }); },
    chunk: (data) => { seen.body += typeof data === 'string' ? data : Buffer.from(data).toString(); },
    end: () => { seen.ended = true; return {}; },
    abort: () => undefined,
  };
  const server = createServer((_req, res) => {
    recordNodeResponse(res, recorder);
    handler(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end();
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return seen;
}

describe('recordNodeResponse', () => {
  it('sees headers given to writeHead, which getHeaders() never shows (the usual start of an SSE answer)', async () => {
    const seen = await tapped((res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('data: [DONE]\n\n');
      res.end();
    });
    expect(seen.heads).toEqual([{ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } }]);
    expect(seen.body).toBe('data: [DONE]\n\n');
    expect(seen.ended).toBe(true);
    // With a header set before, node merges the given ones into getHeaders(): both are seen once.
    const merged = await tapped((res) => {
      res.setHeader('X-Set', 'early');
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end();
    });
    expect(merged.heads).toEqual([{ status: 200, headers: { 'x-set': 'early', 'content-type': 'text/event-stream' } }]);
  });

  it('reads writeHead headers given with a status message, as pairs, or as a flat list of names and values', async () => {
    const given: Array<(res: ServerResponse) => void> = [
      (res) => res.writeHead(201, 'Made', { 'Set-Cookie': ['a=1'] }),
      (res) => res.writeHead(201, [['Set-Cookie', 'a=1']] as unknown as string[]),
      (res) => res.writeHead(201, ['Set-Cookie', 'a=1']),
    ];
    for (const start of given) {
      const seen = await tapped((res) => { start(res); res.end('{}'); });
      expect(seen.heads).toHaveLength(1);
      expect(seen.heads[0]!.status).toBe(201);
      expect([seen.heads[0]!.headers['set-cookie']].flat()).toEqual(['a=1']);
    }
  });

  it('takes the head from getHeaders() at the first write when writeHead is not called, once', async () => {
    const seen = await tapped((res) => {
      res.statusCode = 202;
      res.setHeader('content-type', 'application/json');
      res.write('{"a":');
      res.end('1}');
    });
    expect(seen.heads).toEqual([{ status: 202, headers: { 'content-type': 'application/json' } }]);
    expect(seen.body).toBe('{"a":1}');
  });
});
