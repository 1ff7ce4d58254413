// Writes in flight per tenant and subject, so an erase can wait for them before it deletes.
import type { CacheTicket } from '../contract.js';

export class WriteTracker {
  readonly #pending = new Map<string, Set<Promise<unknown>>>();
  readonly #drainMs: number;

  constructor(drainMs: number) {
    this.#drainMs = drainMs;
  }

  /** Remembers a write under its tenant and subject; returns the function that forgets it. */
  track(ticket: CacheTicket, write: Promise<unknown>): () => void {
    const names = [`t:${ticket.tenant}`];
    if (ticket.subject !== undefined) names.push(`s:${ticket.tenant}:${ticket.subject}`);
    for (const name of names) {
      let set = this.#pending.get(name);
      if (!set) this.#pending.set(name, (set = new Set()));
      set.add(write);
    }
    return () => {
      for (const name of names) {
        const set = this.#pending.get(name);
        set?.delete(write);
        if (set && set.size === 0) this.#pending.delete(name);
      }
    };
  }

  /** Waits (bounded) for writes in flight under a name, so they land before the erase deletes. */
  async drain(name: string): Promise<void> {
    const writes = this.#pending.get(name);
    if (!writes || writes.size === 0) return;
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.#drainMs).unref());
    await Promise.race([Promise.allSettled([...writes]), bound]);
  }
}
