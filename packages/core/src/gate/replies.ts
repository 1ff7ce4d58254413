// Builds deny and bypass decisions: problem+json with its challenges, HSTS over TLS, stats booked once.
import type { DenyCode } from '../types.js';
import type { CacheTicket, DenyDecision, PassDecision } from '../contract.js';
import { challengeHeaders, makeProblem, PROBLEM_CONTENT_TYPE } from '../problem.js';
import type { StatsBook } from '../stats.js';
import type { RequestContext } from './context.js';

export interface DenyExtra {
  detail?: string;
  scope?: string;
  retryAfterSeconds?: number;
  members?: Record<string, unknown>;
}

/** Headers every decision starts from: the caller's request id and, over TLS, HSTS. */
export interface BaseDecision {
  headers: Record<string, string>;
  requestId: string;
  clientAddress: string | null;
  principal?: RequestContext['principal'];
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export class Replies {
  readonly #tls: Readonly<Record<string, string>>;
  readonly #stats: StatsBook;

  constructor(hsts: string | false, stats: StatsBook) {
    this.#tls = hsts ? Object.freeze({ 'strict-transport-security': hsts }) : NO_HEADERS;
    this.#stats = stats;
  }

  /** What every answer the guard lets through or makes carries: HSTS over TLS, and the request id. */
  baseHeaders(ctx: RequestContext, extra: Record<string, string>): Record<string, string> {
    return { ...this.tlsHeaders(ctx.tls), 'x-request-id': ctx.requestId, ...extra };
  }

  /** HSTS over TLS; nothing over plain HTTP (RFC 6797 forbids it there). */
  tlsHeaders(tls: boolean): Readonly<Record<string, string>> {
    return tls ? this.#tls : NO_HEADERS;
  }

  deny(code: DenyCode, ctx: RequestContext, extra?: DenyExtra, principal = ctx.principal): DenyDecision {
    const problem = makeProblem(code, extra?.detail, extra?.members);
    const headers: Record<string, string> = {
      'content-type': PROBLEM_CONTENT_TYPE, ...challengeHeaders(code, extra), ...this.tlsHeaders(ctx.tls), 'x-request-id': ctx.requestId,
    };
    this.#stats.deny(principal?.tenant, code);
    return { kind: 'deny', status: problem.status, problem, headers, requestId: ctx.requestId, clientAddress: ctx.clientAddress, principal };
  }

  /** The handler runs without a lookup; with a ticket (write-only keys) its answer is still stored. */
  bypass(base: BaseDecision, reasons: string[], body: unknown, bodyReplaced: boolean, tenant: string, ticket?: CacheTicket): PassDecision {
    for (const reason of reasons) this.#stats.bypass(tenant, reason);
    return {
      kind: 'pass', route: ticket ? 'cache' : 'direct', cacheStatus: 'bypass', reasons, body, bodyReplaced, ticket,
      ...base, headers: { ...base.headers, 'x-vectorcache-status': 'bypass', 'x-vectorcache-reason': reasons.join(', ') },
    };
  }
}
