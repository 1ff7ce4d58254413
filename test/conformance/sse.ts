// Client side of streamed answers for the conformance cases: the raw answer text, and its SSE frames checked and parsed.
import { expect } from 'vitest';
import request from 'supertest';
import { StreamCapture, type ChatCompletion } from '@vectorcache/core';

export interface Answer { status: number; headers: Record<string, string>; text: string }

/** POSTs a chat body and reads the whole answer as text, whatever its content type (SSE included). */
export async function postText(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const res = await request(url).post('/v1/chat/completions').set({ 'content-type': 'application/json', ...headers }).send(JSON.stringify(body))
    .buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => { text += c; });
      r.on('end', () => cb(null, text));
    });
  return { status: res.status, headers: res.headers as Record<string, string>, text: String(res.body) };
}

/** The chunks of an SSE answer, parsed, and the completion they make; fails unless it ends with `data: [DONE]`. */
// biome-ignore lint/suspicious/noExplicitAny: chunks are read field by field in the assertions, as a client would
export function readStream(answer: Answer): { chunks: Array<Record<string, any>>; completion: ChatCompletion } {
  expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
  const data = answer.text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  expect(data.at(-1)).toBe('[DONE]');
  const capture = new StreamCapture({ maxEntryBytes: 1 << 20 });
  capture.write(answer.text);
  const verdict = capture.end();
  if (!verdict.storable) throw new Error(`replay not well-formed: ${verdict.reason}`);
  return { chunks: data.slice(0, -1).map((d) => JSON.parse(d)), completion: verdict.completion };
}
