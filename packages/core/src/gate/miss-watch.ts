// Cache-probing watch: each miss's prompt fingerprint goes to the detector (opt-in: it costs tens of µs a miss).
import type { CacheTicket } from '../contract.js';
import type { EventHub } from '../monitor/hub.js';
import { simhash64 } from '../monitor/simhash.js';
import type { RequestContext } from './context.js';

export class MissWatch {
  readonly #enabled: boolean;
  readonly #hub: EventHub;

  constructor(enabled: boolean, hub: EventHub) {
    this.#enabled = enabled;
    this.#hub = hub;
  }

  /** Only misses can be probes for near-duplicates; the fingerprint is cheap next to the upstream call. */
  miss(ticket: CacheTicket, ctx: RequestContext): void {
    if (!this.#enabled) return;
    const p = ticket.principal;
    this.#hub.watch({
      type: 'cache.lookup', at: new Date(ctx.now).toISOString(), requestId: ctx.requestId, tenant: p.tenant, keyId: p.keyId,
      clientAddress: ctx.clientAddress, promptSimhash: simhash64(ticket.request), promptKey: ticket.key,
    });
  }
}
