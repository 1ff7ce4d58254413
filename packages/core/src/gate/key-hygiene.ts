// Key hygiene: a key past its hard maximum age is refused; one past the rotation policy is flagged.
import type { KeyRecord } from '../types.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';

const DAY = 86_400_000;

export class KeyHygiene {
  readonly #maxAgeMs: number | undefined;
  readonly #rotationMs: number | undefined;
  readonly #hub: EventHub;
  /** When each key was last reported as due, so the event comes at most daily per key. */
  readonly #noticed = new Map<string, number>();
  /** Parsed creation times by their ISO text (stores hand out copies of records): Date.parse is a visible per-request cost. */
  readonly #created = new Map<string, number>();

  constructor(o: { maxKeyAgeMs: number | undefined; keyRotationMs: number | undefined }, hub: EventHub) {
    this.#maxAgeMs = o.maxKeyAgeMs;
    this.#rotationMs = o.keyRotationMs;
    this.#hub = hub;
  }

  /** 'too_old' past maxKeyAge; a Warning header past the rotation policy; undefined otherwise. */
  check(record: KeyRecord, ctx: RequestContext): 'too_old' | Record<string, string> | undefined {
    if (this.#maxAgeMs === undefined && this.#rotationMs === undefined) return undefined;
    let created = this.#created.get(record.createdAt);
    if (created === undefined) {
      if (this.#created.size >= 10_000) this.#created.clear();
      this.#created.set(record.createdAt, (created = Date.parse(record.createdAt)));
    }
    if (!Number.isFinite(created)) return undefined;
    const ageMs = ctx.now - created;
    if (this.#maxAgeMs !== undefined && ageMs > this.#maxAgeMs) return 'too_old';
    const policy = this.#rotationMs;
    if (policy === undefined || ageMs <= policy) return undefined;
    const days = Math.floor(policy / DAY);
    const last = this.#noticed.get(record.id);
    if (last === undefined || ctx.now - last > DAY) {
      this.#noticed.set(record.id, ctx.now);
      this.#hub.emit('key.rotation_due', {
        requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant,
        ageDays: Math.floor(ageMs / DAY), policyDays: days,
      });
    }
    // The id, not the hint: header values must be Latin-1 and the hint holds an ellipsis.
    return { warning: `299 vectorcache "API key ${record.id} is older than ${days} days; rotate it"` };
  }
}
