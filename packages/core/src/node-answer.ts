// Feeding a node response to the answer recorder: res.write/res.end (Express), or a stream body (Koa, Fastify).
import type { ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import type { AnswerRecorder } from './contract.js';

/**
 * Wraps `res.write`/`res.end` so the recorder sees every chunk as it goes out (a stream is never
 * held back), and `res.writeHead` so it sees the headers given there too. On end, while headers
 * are not sent yet (a JSON answer in one piece), a reason such as `pii_in_response` still becomes a
 * header. A response closed before its end is an abort.
 */
export function recordNodeResponse(res: ServerResponse, recorder: AnswerRecorder): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  let ended = false;
  let headed = false;
  const head = (status: number, given: unknown): void => {
    // getHeaders() copies every header: once, not on every chunk of a stream.
    if (headed) return;
    headed = true;
    recorder.head(status, withGivenHeaders(res.getHeaders(), given));
  };
  const feed = (chunk: unknown, encoding: unknown): void => {
    head(res.statusCode, undefined);
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) recorder.chunk(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
  };
  // Headers given to writeHead (the usual way to start an SSE answer) never reach getHeaders().
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    if (!ended) head(status, typeof rest[0] === 'string' ? rest[1] : rest[0]);
    return writeHead(status, ...rest);
  }) as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (!ended) feed(chunk, encoding);
    return write(chunk, encoding, cb);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (!ended) {
      ended = true;
      feed(chunk, encoding);
      const { reason } = recorder.end();
      if (reason && !res.headersSent) res.setHeader('x-vectorcache-reason', reason);
    }
    return end(chunk, encoding, cb);
  }) as ServerResponse['end'];
  res.once('close', () => {
    if (!ended) recorder.abort();
  });
}

type HeadHeaders = Parameters<AnswerRecorder['head']>[1];

/** The headers set so far with those given to writeHead (an object, or a list of pairs or of names and values) over them. */
function withGivenHeaders(set: HeadHeaders, given: unknown): HeadHeaders {
  if (given === null || typeof given !== 'object') return set;
  const out: HeadHeaders = { ...set };
  const put = (name: unknown, value: unknown): void => {
    if (typeof name === 'string' && value !== undefined) out[name.toLowerCase()] = value as HeadHeaders[string];
  };
  if (!Array.isArray(given)) {
    for (const [name, value] of Object.entries(given)) put(name, value);
  } else if (Array.isArray(given[0])) {
    for (const pair of given as unknown[][]) put(pair[0], pair[1]);
  } else {
    for (let i = 0; i + 1 < given.length; i += 2) put(given[i], given[i + 1]);
  }
  return out;
}

/**
 * A stream body seen by the recorder on its way out, with backpressure kept (a pass-through
 * transform, no extra listener that would make the source flow early). Its end is the answer's end;
 * an error, or the client leaving before the end, is an abort.
 */
export function recordStreamBody(body: Readable, res: ServerResponse, recorder: AnswerRecorder): Readable {
  let ended = false;
  const tap = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      recorder.chunk(chunk);
      done(null, chunk);
    },
    flush(done) {
      ended = true;
      recorder.end();
      done();
    },
  });
  body.once('error', (error) => {
    if (!ended) recorder.abort();
    tap.destroy(error);
  });
  res.once('close', () => {
    if (!ended) recorder.abort();
  });
  return body.pipe(tap);
}
