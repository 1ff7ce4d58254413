// Stage 5: the admin routes the guard answers itself (stats, subject export, erase), each with its own scope.
import type { HeadView, Decision, PrivacyRights, RespondDecision } from '../contract.js';
import type { Principal } from '../types.js';
import { hasScope } from '../keys/index.js';
import type { StatsBook } from '../stats.js';
import type { EventHub } from '../monitor/hub.js';
import type { RequestContext } from './context.js';
import type { Replies } from './replies.js';
import { MAX_SUBJECT_LENGTH } from './consent.js';

export interface AdminRoute {
  name: 'stats' | 'export' | 'erase' | 'allow-cache' | 'unknown' | 'invalid_subject';
  subject?: string;
  scope: string;
  doNotCache?: boolean;
}

const SUBJECT_PATH = /^\/subjects\/([^/]+)(\/export|\/do-not-cache)?$/;

/** Which admin route a request names (upper-case method, path without query, full url for the query), or undefined. */
export function adminRouteOf(prefix: string | false, m: string, path: string, url: string): AdminRoute | undefined {
  if (!prefix) return undefined;
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  const rest = path.slice(prefix.length);
  const read = m === 'GET' || m === 'HEAD';
  if (rest === '/stats' && read) return { name: 'stats', scope: 'analytics:read' };
  const match = SUBJECT_PATH.exec(rest);
  if (match) {
    let subject: string;
    try { subject = decodeURIComponent(match[1]!); } catch { return { name: 'unknown', scope: 'privacy:admin' }; }
    if (subject.length > MAX_SUBJECT_LENGTH) return { name: 'invalid_subject', scope: 'privacy:admin' };
    const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    if (match[2] === '/export' && read) return { name: 'export', subject, scope: 'privacy:admin' };
    if (match[2] === '/do-not-cache' && m === 'DELETE') return { name: 'allow-cache', subject, scope: 'privacy:admin' };
    if (!match[2] && m === 'DELETE') return { name: 'erase', subject, scope: 'privacy:admin', doNotCache: /^(1|true)$/i.test(query.get('doNotCache') ?? '') };
  }
  return { name: 'unknown', scope: 'keys:admin' };
}

export class AdminRoutes {
  readonly #prefix: string | false;
  readonly #deps: { privacy: PrivacyRights; stats: StatsBook; hub: EventHub; replies: Replies };

  constructor(prefix: string | false, deps: { privacy: PrivacyRights; stats: StatsBook; hub: EventHub; replies: Replies }) {
    this.#prefix = prefix;
    this.#deps = deps;
  }

  route(view: HeadView, ctx: RequestContext): AdminRoute | undefined {
    return adminRouteOf(this.#prefix, ctx.method, ctx.path, view.url);
  }

  /** A key only ever acts on its own tenant, so one tenant's admin can never reach another's subjects. */
  async answer(route: AdminRoute, ctx: RequestContext, principal: Principal, extraHeaders: Record<string, string>): Promise<Decision> {
    const { privacy, stats, hub, replies } = this.#deps;
    if (route.name === 'unknown') return replies.deny('not_found', ctx);
    if (route.name === 'invalid_subject') return replies.deny('invalid_subject', ctx);
    if (!hasScope(principal.scopes, route.scope)) {
      hub.emit('auth.scope_denied', { requestId: ctx.requestId, clientAddress: ctx.clientAddress, keyId: principal.keyId, keyHint: principal.hint, tenant: principal.tenant, scope: route.scope });
      return replies.deny('insufficient_scope', ctx, { scope: route.scope, detail: `This endpoint needs the scope \`${route.scope}\`.` });
    }
    const respond = (value: unknown, extra?: Record<string, string>): RespondDecision => ({
      kind: 'respond', status: 200, body: JSON.stringify(value), source: 'admin',
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...replies.baseHeaders(ctx, extraHeaders), ...extra },
      requestId: ctx.requestId, clientAddress: ctx.clientAddress, principal,
    });
    const tenant = principal.tenant;
    if (route.name === 'stats') return respond(stats.get(tenant));
    if (route.name === 'erase') return respond(await privacy.erase({ tenant, subject: route.subject!, doNotCache: route.doNotCache }, principal));
    if (route.name === 'allow-cache') return respond(await privacy.allowCache({ tenant, subject: route.subject! }, principal));
    const exported = await privacy.export({ tenant, subject: route.subject! }, principal);
    return respond(exported, { 'content-disposition': `attachment; filename="vectorcache-export-${exported.subject.slice(0, 16)}.json"` });
  }
}
