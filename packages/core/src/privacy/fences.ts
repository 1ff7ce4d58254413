// Erase fences: after an erase, no hit or write of that subject (or tenant) older than the erase may land.
import type { CounterStore } from '../types.js';
import type { CacheTicket } from '../contract.js';
import type { EventHub } from '../monitor/hub.js';

/** How long an erase keeps in-flight hits and writes of that subject from landing. */
export const ERASE_FENCE_MS = 10 * 60_000;

/** Fence name of a subject (`s:`) or a whole tenant (`t:`). */
export function subjectFence(tenant: string, subject: string): string {
  return `s:${tenant}:${subject}`;
}
export function tenantFence(tenant: string): string {
  return `t:${tenant}`;
}

export class EraseFences {
  /**
   * Latest erase per fence name, oldest first: a re-fenced name is moved to the end, so expired
   * fences are pruned from the front and each erase costs O(1) however many fences pile up.
   */
  readonly #local = new Map<string, number>();
  readonly #shared: CounterStore;
  readonly #hub: EventHub;

  constructor(shared: CounterStore, hub: EventHub) {
    this.#shared = shared;
    this.#hub = hub;
  }

  /** True when this instance saw an erase of the tenant, or of the subject, at or after `since`. */
  erasedSince(tenant: string, subject: string | undefined, since: number): boolean {
    if (this.#local.size === 0) return false;
    const t = this.#local.get(tenantFence(tenant));
    if (t !== undefined && t >= since) return true;
    if (subject === undefined) return false;
    const s = this.#local.get(subjectFence(tenant, subject));
    return s !== undefined && s >= since;
  }

  fence(name: string): void {
    const now = Date.now();
    this.#local.delete(name);
    this.#local.set(name, now);
    for (const [oldest, at] of this.#local) {
      if (now - at <= ERASE_FENCE_MS) break;
      this.#local.delete(oldest);
    }
  }

  /**
   * The fence shared with other instances through the counter store: each erase restarts a window,
   * so `resetAt - ERASE_FENCE_MS` is when the latest erase of that subject (or tenant) happened.
   */
  async share(name: string): Promise<void> {
    try {
      await this.#shared.reset(`erased:${name}`);
      await this.#shared.increment(`erased:${name}`, ERASE_FENCE_MS);
    } catch {
      this.#hub.emit('counters.unavailable', { operation: 'erase_fence' });
    }
  }

  /** True when another instance erased the ticket's subject or tenant after the request started. */
  async erasedElsewhere(ticket: CacheTicket): Promise<boolean> {
    const names = [`erased:${tenantFence(ticket.tenant)}`];
    if (ticket.subject !== undefined) names.push(`erased:${subjectFence(ticket.tenant, ticket.subject)}`);
    for (const name of names) {
      try {
        const state = await this.#shared.get(name);
        if (state && state.resetAt - ERASE_FENCE_MS >= ticket.startedAt) return true;
      } catch {
        return true; // cannot tell: the entry goes rather than risk keeping erased data
      }
    }
    return false;
  }
}

/**
 * The tenant a privacy-state key belongs to (`nocache:<tenant>:<subject>`, `erased:t:<tenant>`,
 * `erased:s:<tenant>:<subject>`): subjects are hex hashes, so the tenant is what lies between.
 */
export function privacyStateTenant(key: string): string {
  if (key.startsWith('erased:t:')) return key.slice(9);
  const body = key.startsWith('erased:s:') ? key.slice(9) : key.startsWith('nocache:') ? key.slice(8) : key;
  const cut = body.lastIndexOf(':');
  return cut < 0 ? body : body.slice(0, cut);
}
