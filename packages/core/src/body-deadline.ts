// Reads an admitted request's body within a deadline, so a body that trickles in (slowloris) cannot hold a socket.
import type { IncomingMessage } from 'node:http';
import { readJsonBody, type BodyResult } from './body.js';

/** Like readJsonBody, but past `timeoutMs` it gives up with `body_timeout` and stops reading. */
export function readJsonBodyWithin(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise<BodyResult>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      // Nothing more of this body is wanted; the answer closes the connection.
      req.pause();
      resolve({ body: undefined, error: 'body_timeout' });
    }, timeoutMs);
    readJsonBody(req, limit).then((read) => {
      if (settled) return;
      clearTimeout(timer);
      resolve(read);
    }, () => {
      if (settled) return;
      clearTimeout(timer);
      resolve({ body: undefined, error: 'invalid_body' });
    });
  });
}
