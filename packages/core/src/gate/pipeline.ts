// The gate in the documented order: perimeter, lockout, key, admin routes (headers only); then body, consent, PII, route, cache.
import { randomUUID } from 'node:crypto';
import type { BodyError } from '../body.js';
import type { Admission, AdmitResult, AnswerRecorder, BodyReadFacts, CacheTicket, Decision, HeadView, PassDecision } from '../contract.js';
import { subjectHash } from '../canonical.js';
import { makeTicket } from '../cache/ticket.js';
import type { CacheRouter } from '../cache/router.js';
import type { EntryKeys } from '../cache/entry-keys.js';
import type { Coalescer } from '../cache/coalesce.js';
import type { Flight } from '../cache/single-flight.js';
import { answerForm } from '../cache/stream/types.js';
import type { DoNotCacheMarkers } from '../privacy/no-cache.js';
import type { StatsBook } from '../stats.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';
import type { Perimeter } from './perimeter.js';
import type { Lockout } from './lockout.js';
import type { Authenticated, Authenticator } from './authenticate.js';
import type { AdminRoutes } from './admin.js';
import type { BodyPolicy } from './body-policy.js';
import { hasConsent, subjectOf, type SubjectOptions } from './consent.js';
import type { PiiStage } from './pii.js';
import { cacheAccess, mustBypass } from './route.js';
import type { MissWatch } from './miss-watch.js';

export interface GateParts {
  perimeter: Perimeter; lockout: Lockout; authenticator: Authenticator; admin: AdminRoutes;
  body: BodyPolicy; pii: PiiStage; replies: Replies; stats: StatsBook; markers: DoNotCacheMarkers;
  router: CacheRouter | undefined; keys: EntryKeys; missWatch: MissWatch;
  /** Single-flight of identical misses; undefined when off. */
  coalescer?: Coalescer;
  /** The recorder of a stored answer (JSON or SSE), leading `flight` when there is one. */
  recorder?: (ticket: CacheTicket, flight?: Flight) => AnswerRecorder;
}

export interface PolicyOptions extends SubjectOptions {
  operationalPaths: ReadonlySet<string>;
  requireConsent: boolean;
  ttlMs: number;
  ignoreFields: ReadonlySet<string>;
}

/** An authenticated operational route (e.g. /metrics): straight to its handler, outside the cache and the stats. */
function operational(base: Pick<PassDecision, 'headers' | 'requestId' | 'clientAddress' | 'principal'>, body: unknown): PassDecision {
  return { kind: 'pass', route: 'direct', cacheStatus: 'bypass', reasons: [], body, bodyReplaced: false, operational: true, ...base };
}

/** A request admitted on its headers; only the pipeline that made it reads its fields. */
export class AdmittedRequest implements Admission {
  readonly kind = 'admitted';
  constructor(readonly view: HeadView, readonly ctx: RequestContext, readonly auth: Authenticated) {}
  get requestId(): string { return this.ctx.requestId; }
  get clientAddress(): string | null { return this.ctx.clientAddress; }
  get principal(): Authenticated['principal'] { return this.auth.principal; }
}

export class Pipeline {
  constructor(readonly parts: GateParts, readonly o: PolicyOptions) {}

  /** Phase one, on the headers: nothing here reads the body, so a denied request never makes us buffer it. */
  async admit(view: HeadView): Promise<AdmitResult> {
    const p = this.parts;
    const ctx = p.perimeter.context(view, view.requestId ?? randomUUID(), Date.now());
    // Stages answer synchronously where they can: an await per stage is measurable on a hit.
    const outside = p.perimeter.check(view, ctx);
    const refusedOutside = outside instanceof Promise ? await outside : outside;
    if (refusedOutside) return refusedOutside;
    const locked = p.lockout.check(ctx);
    const refused = locked instanceof Promise ? await locked : locked;
    if (refused) return refused;
    const auth = await p.authenticator.authenticate(view, ctx);
    if ('kind' in auth) return auth;
    const admin = p.admin.route(view, ctx);
    if (admin) return p.admin.answer(admin, ctx, auth.principal, auth.headers) as Promise<AdmitResult>;
    return new AdmittedRequest(view, ctx, auth);
  }

  /** Phase two, with the body: body policy, consent, PII, cache controls and scopes, then the cache. */
  async decide(admitted: AdmittedRequest, body: unknown, bodyError: BodyError | undefined, read?: BodyReadFacts): Promise<Decision> {
    const p = this.parts;
    const { view, ctx, auth: { record, principal } } = admitted;
    const readError = p.body.checkRead(bodyError, view.headers, ctx);
    if (readError) return readError;
    const base = { headers: p.replies.baseHeaders(ctx, admitted.auth.headers), requestId: ctx.requestId, clientAddress: ctx.clientAddress, principal };
    if (this.o.operationalPaths.has(ctx.path)) return operational(base, body);
    p.stats.request(record.tenant);
    const method = ctx.method;
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    const shapeError = isObject ? p.body.checkShape(body as Record<string, unknown>, ctx, read?.depthChecked === true) : undefined;
    if (shapeError) return shapeError;

    const reasons: string[] = [];
    const cacheable = method === 'POST' && isObject && p.router !== undefined;
    if (!p.router) reasons.push('cache_disabled');
    else if (!cacheable) reasons.push('not_cacheable');
    const subjectId = subjectOf(this.o, view);
    if (subjectId.tooLong) return p.replies.deny('invalid_subject', ctx);
    const subject = subjectId.id === undefined ? undefined : subjectHash(p.keys.indexKey, record.tenant, subjectId.id);
    if (cacheable && ((this.o.requireConsent && !hasConsent(this.o, view)) || (subject !== undefined && await p.markers.isMarked(record.tenant, subject)))) {
      reasons.push('no_consent');
    }
    const pii = p.pii.inspect(body, view.raw, ctx, record);
    if ('kind' in pii) return pii;
    if (pii.reason) reasons.push(pii.reason);
    const handlerBody = pii.body !== undefined ? pii.body : body;
    const bodyReplaced = pii.body !== undefined;
    const access = cacheAccess(record.scopes, view.headers, reasons);
    if (mustBypass(reasons, access)) return p.replies.bypass(base, reasons, handlerBody, bodyReplaced, record.tenant);

    const ttlMs = access.directives.maxAgeMs === undefined ? this.o.ttlMs : Math.min(this.o.ttlMs, access.directives.maxAgeMs);
    const ticket = makeTicket(p.keys.indexKey, this.o.ignoreFields, {
      body: handlerBody as Record<string, unknown>, method, path: ctx.path, subject, ttlMs, now: ctx.now, requestId: ctx.requestId, principal, clientAddress: ctx.clientAddress,
    });
    const lookup = { ticket, body: handlerBody as Record<string, unknown>, headers: view.headers };
    const router = p.router!;
    if (!access.canRead) {
      router.remember(lookup);
      const bypass = p.replies.bypass(base, reasons, handlerBody, bodyReplaced, record.tenant, ticket);
      bypass.recorder = p.recorder?.(ticket);
      return bypass;
    }
    const outcome = await router.lookup(lookup, base);
    if (outcome.kind === 'hit') return outcome.decision;
    if (outcome.kind === 'unavailable') return p.replies.bypass(base, ['cache_unavailable'], handlerBody, bodyReplaced, record.tenant);
    // Identical misses in flight share one handler call; only a leader whose answer may be stored leads.
    const joined = access.canWrite && p.coalescer && view.records === true ? await p.coalescer.join(ticket, answerForm(handlerBody), base) : undefined;
    if (joined?.kind === 'hit') return joined.decision;
    p.stats.miss(record.tenant);
    p.missWatch.miss(ticket, ctx);
    const pass: PassDecision = {
      kind: 'pass', route: 'cache', cacheStatus: 'miss', reasons: [], body: handlerBody, bodyReplaced,
      ...base, headers: { ...base.headers, 'x-vectorcache-status': 'miss' },
    };
    if (access.canWrite) {
      pass.ticket = ticket;
      pass.recorder = p.recorder?.(ticket, joined?.kind === 'lead' ? joined.flight : undefined);
    }
    return pass;
  }
}
