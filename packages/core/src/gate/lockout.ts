// Stage 3: failure lockout per client address, checked before the key store is touched.
import type { CounterStore } from '../types.js';
import type { DenyDecision } from '../contract.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';

export interface LockoutSettings {
  maxFailures: number;
  windowMs: number;
  whenUnavailable: 'authenticate' | 'deny';
  /** The failure bucket of an address: IPv4 per address, IPv6 per /64 by default. */
  bucketOf: (address: string) => string;
}

export class Lockout {
  readonly #settings: LockoutSettings | false;
  readonly #counters: CounterStore;
  readonly #hub: EventHub;
  readonly #replies: Replies;

  constructor(settings: LockoutSettings | false, deps: { counters: CounterStore; hub: EventHub; replies: Replies }) {
    this.#settings = settings;
    this.#counters = deps.counters;
    this.#hub = deps.hub;
    this.#replies = deps.replies;
  }

  /** Counter name of an address's failures (its bucket, so a /64 shares one budget). */
  #name(clientAddress: string | null): string {
    const settings = this.#settings;
    return `lockout:${settings && clientAddress !== null ? settings.bucketOf(clientAddress) : clientAddress}`;
  }

  /**
   * A locked-out address is refused before its key is looked at, so it cannot keep probing the store.
   * Synchronous when the counter store answers synchronously (the in-process default).
   */
  check(ctx: RequestContext): DenyDecision | undefined | Promise<DenyDecision | undefined> {
    const settings = this.#settings;
    if (!settings) return undefined;
    let state;
    try {
      state = this.#counters.get(this.#name(ctx.clientAddress));
    } catch {
      return this.#unavailable(ctx, settings);
    }
    if (state instanceof Promise) return state.then((s) => this.#verdict(s, ctx, settings), () => this.#unavailable(ctx, settings));
    return this.#verdict(state, ctx, settings);
  }

  #verdict(state: { count: number; resetAt: number } | undefined, ctx: RequestContext, settings: LockoutSettings): DenyDecision | undefined {
    if (state && state.count >= settings.maxFailures) {
      return this.#replies.deny('too_many_failures', ctx, { retryAfterSeconds: Math.max(1, Math.ceil((state.resetAt - ctx.now) / 1000)) });
    }
    return undefined;
  }

  #unavailable(ctx: RequestContext, settings: LockoutSettings): DenyDecision | undefined {
    this.#hub.emit('counters.unavailable', { requestId: ctx.requestId, clientAddress: ctx.clientAddress });
    // The key is still verified, so a bad key is refused either way; only counting pauses.
    if (settings.whenUnavailable === 'deny') return this.#replies.deny('key_store_unavailable', ctx, { detail: 'The failure counter store did not answer; try again shortly.' });
    return undefined;
  }

  /** Counts one authentication failure; true when this failure puts the address over the limit. */
  async countFailure(ctx: RequestContext): Promise<boolean> {
    const settings = this.#settings;
    if (!settings) return false;
    try {
      const { count, resetAt } = await this.#counters.increment(this.#name(ctx.clientAddress), settings.windowMs);
      if (count === settings.maxFailures) {
        this.#hub.emit('auth.lockout', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, failures: count, windowMs: settings.windowMs, until: new Date(resetAt).toISOString() });
      }
      return count > settings.maxFailures && resetAt > ctx.now;
    } catch {
      this.#hub.emit('counters.unavailable', { requestId: ctx.requestId, clientAddress: ctx.clientAddress });
      return false;
    }
  }

  /** The 429 for an address that just went over the limit. */
  denyLocked(ctx: RequestContext): DenyDecision {
    const seconds = Math.ceil(this.#settings ? this.#settings.windowMs / 1000 : 60);
    return this.#replies.deny('too_many_failures', ctx, { retryAfterSeconds: seconds }, undefined);
  }

  /** Locks an address out at once (the detector asked for it). */
  async lockOut(clientAddress: string, reason: string): Promise<void> {
    const settings = this.#settings;
    if (!settings) return;
    const { resetAt } = await this.#counters.increment(this.#name(clientAddress), settings.windowMs, settings.maxFailures);
    this.#hub.emit('auth.lockout', { clientAddress, reason, windowMs: settings.windowMs, until: new Date(resetAt).toISOString() });
  }
}
