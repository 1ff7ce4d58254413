// Stage 8: the PII gate — block, route direct (bypass) or redact before the handler sees the body.
import type { DenyDecision } from '../contract.js';
import type { KeyRecord } from '../types.js';
import type { PiiScanner } from '../pii/index.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';

export interface PiiOutcome {
  /** A bypass reason (`pii`, `too_large_to_scan`), when the request must not touch the cache. */
  reason?: string;
  /** The redacted body the handler must see instead, when the action is `redact`. */
  body?: unknown;
}

export class PiiStage {
  readonly #scanner: PiiScanner | undefined;
  readonly #hub: EventHub;
  readonly #replies: Replies;

  constructor(scanner: PiiScanner | undefined, deps: { hub: EventHub; replies: Replies }) {
    this.#scanner = scanner;
    this.#hub = deps.hub;
    this.#replies = deps.replies;
  }

  /** Scanned whenever there is a body, since block and redact apply to direct requests too. */
  inspect(body: unknown, raw: unknown, ctx: RequestContext, record: KeyRecord): DenyDecision | PiiOutcome {
    if (!this.#scanner || body === undefined) return {};
    const verdict = this.#scanner.inspect(body, raw);
    if (verdict.action === 'none') return {};
    const detectors = Object.keys(verdict.counts);
    this.#hub.emit('pii.detected', {
      requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant,
      action: verdict.action, detectors: verdict.counts, ...(verdict.unscanned ? { unscanned: verdict.unscanned } : {}),
    });
    if (verdict.action === 'block' && verdict.unscanned) {
      // Under block or redact a body we could not scan never reaches the handler.
      return this.#replies.deny('pii_unscannable', ctx, { members: { reason: verdict.unscanned } });
    }
    if (verdict.action === 'block') {
      return this.#replies.deny('pii_detected', ctx, { detail: `The request contains personal data (${detectors.join(', ')}).`, members: { detectors } });
    }
    if (verdict.action === 'bypass') return { reason: 'pii' };
    if (verdict.action === 'too_large') return { reason: 'too_large_to_scan' };
    if (verdict.action === 'redact') return { body: verdict.body };
    return {};
  }
}
