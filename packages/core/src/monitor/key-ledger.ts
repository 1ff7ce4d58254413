// Reports key store changes made elsewhere (CLI, other instances): created, rotated, revoked, expiring.
import type { KeyRecord, KeyStore } from '../types.js';
import type { EventHub } from './hub.js';

/** A key expiring within this window raises `key.expiring`. */
const KEY_EXPIRY_NOTICE_MS = 7 * 86_400_000;

interface Seen { revoked: boolean; rotatedTo: string | null; expiring: boolean }

export class KeyLedger {
  readonly #keys: KeyStore;
  readonly #hub: EventHub;
  /** What the guard last saw of each key record. */
  readonly #seen = new Map<string, Seen>();
  #stop: (() => void) | undefined;
  #diff: Promise<void> = Promise.resolve();

  constructor(keys: KeyStore, hub: EventHub) {
    this.#keys = keys;
    this.#hub = hub;
  }

  /** Subscribes to the store's change notices; the first look records the keys without events. */
  async start(): Promise<void> {
    const keys = this.#keys;
    if (typeof keys.onChange !== 'function') return;
    try {
      await this.#look(true);
    } catch {
      return; // the ledger is a report, not a gate: a store that cannot list keys still authenticates
    }
    this.#stop = keys.onChange(() => {
      this.#diff = this.#diff.then(() => this.#look(false)).catch(() => undefined);
    });
  }

  stop(): void {
    this.#stop?.();
  }

  async #look(initial: boolean): Promise<void> {
    const records = await this.#keys.list();
    const now = Date.now();
    for (const record of records) this.#record(record, now, initial);
  }

  #record(record: KeyRecord, now: number, initial: boolean): void {
    const seen = this.#seen.get(record.id);
    const revoked = Boolean(record.revokedAt);
    const rotatedTo = record.rotatedTo ?? null;
    const expiresAt = record.expiresAt ? Date.parse(record.expiresAt) : NaN;
    const expiring = !revoked && !rotatedTo && Number.isFinite(expiresAt) && expiresAt > now && expiresAt - now < KEY_EXPIRY_NOTICE_MS;
    const base = { keyId: record.id, keyHint: record.hint, tenant: record.tenant, environment: record.environment };
    if (!initial) {
      if (!seen && !record.rotatedFrom) this.#hub.emit('key.created', { ...base, scopes: record.scopes });
      if (!seen && record.rotatedFrom) this.#hub.emit('key.rotated', { ...base, keyId: record.rotatedFrom, successorId: record.id, successorHint: record.hint });
      if (revoked && !seen?.revoked) this.#hub.emit('key.revoked', { ...base, revokedAt: record.revokedAt });
    }
    if (expiring && !seen?.expiring) this.#hub.emit('key.expiring', { ...base, expiresAt: record.expiresAt });
    this.#seen.set(record.id, { revoked, rotatedTo, expiring: expiring || Boolean(seen?.expiring) });
  }
}
