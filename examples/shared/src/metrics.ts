// GET /metrics for the example servers: a tenant key (`analytics:read`) sees its own tenant's series; `analytics:admin` sees all.
import * as client from 'prom-client';
import { hasScope, makeProblem, PROBLEM_CONTENT_TYPE, type CacheStore, type Guard, type VectorcacheState } from '@vectorcache/core';
// Until @vectorcache/core re-exports its monitor module; then import createPrometheusMetrics from there.
import { createPrometheusMetrics, type PrometheusMetrics } from '@vectorcache/core';

/** The scope `GET /metrics` needs (the guard checks scopes only on its own admin routes): it shows the key's own tenant. */
export const METRICS_SCOPE = 'analytics:read';
/** The operator scope that shows every tenant's series. */
export const ALL_TENANTS_SCOPE = 'analytics:admin';

export interface MetricsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The guard's metrics on a registry of their own (the cache gauges read the store on each scrape). */
export function exampleMetrics(guard: Guard, cache: CacheStore | false | undefined): PrometheusMetrics {
  return createPrometheusMetrics(guard, { client, ...(cache ? { cacheStore: cache } : {}) });
}

/**
 * The answer to `GET /metrics` for the caller the guard authenticated (`state` is what the adapter
 * put on the request): 403 problem+json with the RFC 6750 challenge without the scope, else the text.
 */
export async function metricsReply(state: VectorcacheState | null | undefined, metrics: PrometheusMetrics): Promise<MetricsReply> {
  const scopes = state?.principal.scopes ?? [];
  const operator = hasScope(scopes, ALL_TENANTS_SCOPE);
  if (!state || (!operator && !hasScope(scopes, METRICS_SCOPE))) {
    const problem = makeProblem('insufficient_scope', `This endpoint needs the scope \`${METRICS_SCOPE}\`.`);
    return {
      status: problem.status,
      headers: {
        'content-type': PROBLEM_CONTENT_TYPE,
        'www-authenticate': `Bearer realm="vectorcache", error="insufficient_scope", scope="${METRICS_SCOPE}"`,
        'cache-control': 'no-store',
      },
      body: JSON.stringify(problem),
    };
  }
  return { status: 200, headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, body: await metrics.metricsText(operator ? undefined : state.principal.tenant) };
}
