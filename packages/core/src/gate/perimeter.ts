// Stage 1–2: HTTPS only, the client address behind trusted proxies, and the global IP allowlist.
import type { HeaderMap } from '../types.js';
import type { HeadView, DenyDecision } from '../contract.js';
import { AllowlistHolder, compileTrustProxy, type ProxyTrust, type TrustProxySetting } from '../net/index.js';
import { extractApiKey, keyHint, type KeyVerifier } from '../keys/index.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';

export interface PerimeterOptions {
  trustProxy: TrustProxySetting;
  forwardedHeader: boolean;
  ipAllowlist: readonly string[] | null;
  httpsOnly: boolean;
}

export class Perimeter {
  readonly #trust: ProxyTrust;
  readonly allowlist: AllowlistHolder;
  readonly #httpsOnly: boolean;
  readonly #hub: EventHub;
  readonly #replies: Replies;
  readonly #verifier: KeyVerifier;

  constructor(o: PerimeterOptions, deps: { hub: EventHub; replies: Replies; verifier: KeyVerifier }) {
    this.#trust = compileTrustProxy(o.trustProxy, { forwarded: o.forwardedHeader }, 'trustProxy');
    for (const w of this.#trust.warnings) deps.hub.warn(w.code, w.message);
    this.allowlist = new AllowlistHolder(o.ipAllowlist, 'ipAllowlist');
    this.#httpsOnly = o.httpsOnly;
    this.#hub = deps.hub;
    this.#replies = deps.replies;
    this.#verifier = deps.verifier;
  }

  /** Who is calling, over what: derived once per request from the socket and trusted headers. */
  context(view: HeadView, requestId: string, now: number): RequestContext {
    return {
      requestId,
      method: view.method.toUpperCase(),
      path: view.url.split('?', 1)[0]!,
      clientAddress: this.#trust.clientAddress(view.remoteAddress, view.headers, view.headerCount),
      tls: this.#trust.isSecure(view.encrypted, view.remoteAddress, view.headers, view.headerCount),
      now,
    };
  }

  /** Synchronous on the common path; only a refused plain-HTTP request waits, to report which key it exposed. */
  check(view: HeadView, ctx: RequestContext): DenyDecision | Promise<DenyDecision> | undefined {
    // No redirect to HTTPS: the key already crossed the network in clear.
    if (this.#httpsOnly && !ctx.tls) {
      return this.#reportExposedKey(view.headers, ctx).then(() => this.#replies.deny('https_required', ctx));
    }
    // An undeterminable address fails closed.
    if (ctx.clientAddress === null) {
      this.#hub.emit('ip.denied', { requestId: ctx.requestId, clientAddress: null, reason: 'unparseable_address' });
      return this.#replies.deny('ip_not_allowed', ctx, { detail: 'The client address could not be determined.' });
    }
    if (!this.allowlist.contains(ctx.clientAddress)) {
      this.#hub.emit('ip.denied', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, reason: 'global_allowlist' });
      return this.#replies.deny('ip_not_allowed', ctx);
    }
    return undefined;
  }

  /** A key sent over plain HTTP is burnt: say which one, so it can be rotated. */
  async #reportExposedKey(headers: HeaderMap, ctx: RequestContext): Promise<void> {
    const extracted = extractApiKey(headers);
    if (!extracted.key) return;
    let keyId: string | undefined;
    let tenant: string | undefined;
    try {
      const check = await this.#verifier.verify(extracted.key, ctx.now);
      const record = check.ok ? check.record : 'record' in check ? check.record : undefined;
      keyId = record?.id;
      tenant = record?.tenant;
    } catch { /* reporting is best effort */ }
    this.#hub.emit('key.exposed_over_http', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId, keyHint: keyHint(extracted.key), tenant });
  }
}
