// Reads an admitted request's body within a deadline, so a body that trickles in (slowloris) cannot hold a socket.
import type { IncomingMessage } from 'node:http';
import { readJsonBody, type BodyResult } from './body.js';

interface Pending { deadline: number; expire: () => void }

/**
 * One sweep timer for every body being read, instead of a timer per request: on the hit path a
 * timer created and cleared per request is a visible cost. Deadlines are checked every `tick` ms,
 * so a body times out between `timeoutMs` and `timeoutMs + tick`.
 */
class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  add(timeoutMs: number, expire: () => void): () => void {
    const entry: Pending = { deadline: Date.now() + timeoutMs, expire };
    this.#pending.add(entry);
    this.#schedule(Math.min(250, Math.max(10, Math.floor(timeoutMs / 4))));
    return () => { this.#pending.delete(entry); };
  }

  #schedule(tick: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const entry of this.#pending) {
        if (entry.deadline <= now) {
          this.#pending.delete(entry);
          entry.expire();
        }
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, tick);
    this.#timer.unref();
  }
}

const deadlines = new Deadlines();

/** Like readJsonBody, but past `timeoutMs` it gives up with `body_timeout` and stops reading. */
export function readJsonBodyWithin(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise<BodyResult>((resolve) => {
    let settled = false;
    const forget = deadlines.add(timeoutMs, () => {
      settled = true;
      // Nothing more of this body is wanted; the answer closes the connection.
      req.pause();
      resolve({ body: undefined, error: 'body_timeout' });
    });
    readJsonBody(req, limit).then((read) => {
      if (settled) return;
      forget();
      resolve(read);
    }, () => {
      if (settled) return;
      forget();
      resolve({ body: undefined, error: 'invalid_body' });
    });
  });
}
