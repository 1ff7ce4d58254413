// Stage 4: the API key (format, environment, revocation, expiry), its own IP allowlist and its hygiene.
import type { HeadView, DenyDecision } from '../contract.js';
import type { KeyRecord, KeyStore, Principal } from '../types.js';
import { compileAllowlist, type Allowlist } from '../net/index.js';
import { createKeyVerifier, extractApiKey, type KeyVerifier } from '../keys/index.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';
import type { Lockout } from './lockout.js';
import { KeyHygiene } from './key-hygiene.js';

export interface Authenticated {
  record: KeyRecord;
  principal: Principal;
  /** Headers the key's state adds to the answer (a rotation `Warning`). */
  headers: Record<string, string>;
}

const DENY_ALL: Allowlist = { contains: () => false, size: 0 };

export class Authenticator {
  readonly verifier: KeyVerifier;
  readonly #hub: EventHub;
  readonly #replies: Replies;
  readonly #lockout: Lockout;
  readonly #hygiene: KeyHygiene;
  /** Compiled per-key allowlists, recompiled only when a key's list changes. */
  readonly #keyAllowlists = new Map<string, { source: string; list: Allowlist }>();

  constructor(
    o: { keys: KeyStore; environment: string; maxKeyAgeMs: number | undefined; keyRotationMs: number | undefined },
    deps: { hub: EventHub; replies: Replies; lockout: Lockout },
  ) {
    this.verifier = createKeyVerifier(o.keys, { environment: o.environment });
    this.#hub = deps.hub;
    this.#replies = deps.replies;
    this.#lockout = deps.lockout;
    this.#hygiene = new KeyHygiene(o, deps.hub);
  }

  async authenticate(view: HeadView, ctx: RequestContext): Promise<Authenticated | DenyDecision> {
    const extracted = extractApiKey(view.headers);
    const check = extracted.error ? { ok: false as const, code: extracted.error } : await this.verifier.verify(extracted.key, ctx.now);
    if (!check.ok) return this.#refuse(check, ctx);
    const record = check.record;
    const principal: Principal = {
      keyId: record.id, hint: record.hint, name: record.name, tenant: record.tenant, environment: record.environment, scopes: record.scopes,
    };
    ctx.principal = principal;
    // Not an event: the detector learns which networks each key is used from.
    if (this.#hub.watching && !this.#hub.knows(record.id, ctx.clientAddress)) this.#hub.watch({ type: 'request.authenticated', at: new Date(ctx.now).toISOString(), ...this.#who(ctx, record) });
    if (record.allowedIps && record.allowedIps.length > 0 && !this.#keyAllowlist(record).contains(ctx.clientAddress!)) {
      const who = this.#who(ctx, record);
      this.#hub.emit('ip.denied', { ...who, reason: 'key_allowlist' });
      this.#hub.emit('suspicious.key_from_unexpected_network', who);
      return this.#replies.deny('ip_not_allowed', ctx);
    }
    const hygiene = this.#hygiene.check(record, ctx);
    if (hygiene === 'too_old') {
      const who = this.#who(ctx, record);
      ctx.principal = undefined;
      const locked = await this.#lockout.countFailure(ctx);
      this.#hub.emit('auth.failure', { ...who, code: 'key_expired', reason: 'max_age' });
      if (locked) return this.#lockout.denyLocked(ctx);
      return this.#replies.deny('key_expired', ctx, { detail: 'The API key is older than the maximum key age; create a new one.' });
    }
    return { record, principal, headers: hygiene ?? {} };
  }

  #who(ctx: RequestContext, record: KeyRecord): { requestId: string; clientAddress: string | null; keyId: string; keyHint: string; tenant: string } {
    return { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: record.id, keyHint: record.hint, tenant: record.tenant };
  }

  async #refuse(check: Exclude<Awaited<ReturnType<KeyVerifier['verify']>>, { ok: true }>, ctx: RequestContext): Promise<DenyDecision> {
    if (check.code === 'key_store_unavailable') {
      this.#hub.emit('keys.unavailable', { requestId: ctx.requestId, clientAddress: ctx.clientAddress });
      return this.#replies.deny(check.code, ctx);
    }
    const record = check.record;
    const locked = await this.#lockout.countFailure(ctx);
    const who = { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: record?.id, keyHint: record?.hint ?? check.hint, tenant: record?.tenant };
    this.#hub.emit('auth.failure', { ...who, code: check.code });
    if (record && (check.code === 'key_revoked' || (check.code === 'key_expired' && record.rotatedTo))) {
      this.#hub.emit('suspicious.retired_key_used', { ...who, keyHint: record.hint, code: check.code });
    }
    if (locked) return this.#lockout.denyLocked(ctx);
    return this.#replies.deny(check.code, ctx);
  }

  #keyAllowlist(record: KeyRecord): Allowlist {
    const source = record.allowedIps!.join(',');
    const cached = this.#keyAllowlists.get(record.id);
    if (cached && cached.source === source) return cached.list;
    let list: Allowlist;
    try {
      list = compileAllowlist(record.allowedIps!, `key ${record.id} allowedIps`);
    } catch {
      list = DENY_ALL; // a broken per-key list must deny, not allow
    }
    this.#keyAllowlists.set(record.id, { source, list });
    return list;
  }
}
