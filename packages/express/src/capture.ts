// Captures the handler's answer on a miss by wrapping res.write/res.end, so it can be stored.
import type { ServerResponse } from 'node:http';
import type { CapturedResponse, CompleteResult } from '@vectorcache/core';

type Chunk = string | Uint8Array;

function toBuffer(chunk: Chunk, encoding?: BufferEncoding): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Collects the body up to `limit` bytes; on end, before headers go out when the body came in one piece,
 * asks `complete` whether to store it, so a reason such as `pii_in_response` can still become a header.
 */
export function captureResponse(res: ServerResponse, limit: number, complete: (captured: CapturedResponse) => CompleteResult): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let finished = false;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;

  const collect = (chunk: unknown, encoding: unknown): void => {
    if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = toBuffer(chunk as Chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    size += buffer.length;
    if (size > limit) {
      overflow = true;
      chunks.length = 0;
      return;
    }
    chunks.push(buffer);
  };

  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    collect(chunk, encoding);
    return write(chunk, encoding, cb);
  }) as ServerResponse['write'];

  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (!finished) {
      finished = true;
      collect(chunk, encoding);
      if (!overflow) {
        const result = complete({ status: res.statusCode, headers: res.getHeaders(), body: Buffer.concat(chunks, size) });
        if (result.reason && !res.headersSent) res.setHeader('x-vectorcache-reason', result.reason);
      }
    }
    return end(chunk, encoding, cb);
  }) as ServerResponse['end'];
}
