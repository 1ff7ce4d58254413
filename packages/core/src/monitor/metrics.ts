// Prometheus metrics for a guard via prom-client, which the caller passes in (an optional peer dependency).
import type * as PromClient from './prom-client-types.js';
import type { CacheStore, DenyCode, GuardEvent } from '../types.js';
import type { DecisionObservation, Guard } from '../contract.js';
import { optionError } from '../errors.js';
import { isKnownEventType } from './events.js';

export interface PrometheusMetricsOptions {
  /** The prom-client module (`import * as client from 'prom-client'`): the core never imports it itself. */
  client: typeof PromClient;
  /** Where the metrics are registered. Defaults to a new registry of their own (not prom-client's global one). */
  registry?: PromClient.Registry;
  /** Prefix of every metric name. Defaults to `'vectorcache_'`. */
  prefix?: string;
  /** The guard's cache store, for the entries and bytes gauges (read on each scrape). Defaults to none (no gauges). */
  cacheStore?: CacheStore;
  /**
   * Adds a `tenant` label to request, denial, bypass and savings counters. Tenant ids are yours and
   * bounded by your key store, but each one multiplies the series count. Defaults to false.
   */
  tenantLabel?: boolean;
}

export interface PrometheusMetrics {
  readonly registry: PromClient.Registry;
  /**
   * The text exposition (what `GET /metrics` answers): every tenant's traffic, or with `tenant` only
   * that tenant's series (its own registry, so nothing of another tenant can leak into it).
   */
  metricsText(tenant?: string): Promise<string>;
  /** The `Content-Type` of that text. */
  readonly contentType: string;
  /** Unsubscribes from the guard and removes these metrics from the registry. */
  stop(): void;
}

/** Every deny code of the gate; others (from a newer guard) are counted as `other`. */
const DENY_CODES = [
  'https_required', 'ip_not_allowed', 'missing_api_key', 'malformed_api_key', 'invalid_api_key', 'wrong_environment',
  'key_revoked', 'key_expired', 'insufficient_scope', 'too_many_failures', 'pii_detected', 'invalid_body',
  'body_too_large', 'key_store_unavailable', 'body_timeout', 'invalid_subject', 'pii_unscannable', 'internal_error', 'not_found',
] as const satisfies readonly DenyCode[];
const BYPASS_REASONS = [
  'pii', 'no_consent', 'no_cache_scope', 'client_no_cache', 'streaming', 'cache_unavailable', 'pii_in_response',
  'not_cacheable', 'too_large_to_scan', 'cache_disabled',
] as const;
const OUTCOMES = ['hit', 'miss', 'bypass', 'deny', 'admin'] as const;
const KNOWN_CODES = new Set<string>(DENY_CODES);
const KNOWN_REASONS = new Set<string>(BYPASS_REASONS);
const KNOWN_OUTCOMES = new Set<string>(OUTCOMES);
/** 10 µs to 100 ms: the gate is in-process; a lookup against Redis lands in the upper buckets. */
const LATENCY_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
/** Cosine similarity of served semantic answers: finest above 0.84, where thresholds (the offline default among them) sit. */
const SIMILARITY_BUCKETS = [0.8, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1];
const ANONYMOUS = '_anonymous';

/** Savings the guard may put on a hit observation; when absent they are read from `guard.stats`. */
type HitObservation = DecisionObservation & { savedMs?: number; savedTokens?: number };

function bounded(value: string | undefined, known: ReadonlySet<string>): string {
  return value !== undefined && known.has(value) ? value : 'other';
}

interface Resolved { client: typeof PromClient; prefix: string; cacheStore?: CacheStore; tenantLabel: boolean; registry: PromClient.Registry }

function resolveOptions(guard: Guard, options: PrometheusMetricsOptions): Resolved {
  if (!guard || typeof guard.observe !== 'function' || typeof guard.onEvent !== 'function') throw optionError('guard', 'must be a guard made by createGuard');
  const client = options?.client;
  if (!client || typeof client.Counter !== 'function' || typeof client.Registry !== 'function') {
    throw optionError('client', "must be the prom-client module: import * as client from 'prom-client'");
  }
  const prefix = options.prefix ?? 'vectorcache_';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw optionError('prefix', 'must be a valid Prometheus metric name prefix, e.g. "vectorcache_"');
  const cacheStore = options.cacheStore;
  if (cacheStore !== undefined && typeof cacheStore?.size !== 'function') throw optionError('cacheStore', 'must be a CacheStore with size()');
  const tenantLabel = options.tenantLabel ?? false;
  if (typeof tenantLabel !== 'boolean') throw optionError('tenantLabel', 'must be true or false');
  return { client, prefix, cacheStore, tenantLabel, registry: options.registry ?? new client.Registry() };
}

/** The cache size gauges: one size() call per scrape serves both; a failing store keeps the last known values. */
function cacheGauges(client: typeof PromClient, cacheStore: CacheStore, registers: PromClient.Registry[], named: (name: string) => string): void {
  let last: { entries: number; bytes: number } | undefined;
  let pending: Promise<{ entries: number; bytes: number } | undefined> | undefined;
  const read = (): Promise<{ entries: number; bytes: number } | undefined> => {
    pending ??= Promise.resolve()
      .then(() => cacheStore.size())
      .then((size) => (last = size), () => last)
      .finally(() => setTimeout(() => { pending = undefined; }, 0));
    return pending;
  };
  new client.Gauge({
    name: named('cache_entries'), help: 'Entries in the cache store.', registers,
    async collect() { const size = await read(); if (size) this.set(size.entries); },
  });
  new client.Gauge({
    name: named('cache_bytes'), help: 'Bytes the cache store holds (as the store counts them: sealed entries and indexes).', registers,
    async collect() { const size = await read(); if (size) this.set(size.bytes); },
  });
}

/** One registry's series: the global registry, or one tenant's own. */
class SeriesSet {
  readonly names: string[] = [];
  readonly #tenantLabel: boolean;
  readonly #requests: PromClient.Counter;
  readonly #denials: PromClient.Counter;
  readonly #bypasses: PromClient.Counter;
  readonly #gate: PromClient.Histogram;
  readonly #hitLatency: PromClient.Histogram;
  readonly #events: PromClient.Counter;
  readonly #callsSaved: PromClient.Counter;
  readonly #tokensSaved: PromClient.Counter;
  readonly #secondsSaved: PromClient.Counter;
  readonly #semanticHits: PromClient.Counter;
  readonly #similarity: PromClient.Histogram;

  constructor(r: Resolved, registry: PromClient.Registry, tenantLabel: boolean, cacheStore: CacheStore | undefined) {
    const { client, prefix } = r;
    const registers = [registry];
    this.#tenantLabel = tenantLabel;
    const t = (names: string[]): string[] => (tenantLabel ? [...names, 'tenant'] : names);
    const named = (name: string): string => {
      const full = prefix + name;
      if (registry.getSingleMetric(full)) throw optionError('registry', `already holds ${full}: stop() the previous metrics, or pass another prefix or registry`);
      this.names.push(full);
      return full;
    };
    this.#requests = new client.Counter({ name: named('requests_total'), help: 'Guarded requests by outcome (hit, miss, bypass, deny, admin).', labelNames: t(['outcome']), registers });
    this.#denials = new client.Counter({ name: named('denials_total'), help: 'Denied requests by problem code.', labelNames: t(['code']), registers });
    this.#bypasses = new client.Counter({ name: named('bypasses_total'), help: 'Bypassed requests by reason (a request with several reasons counts under each).', labelNames: t(['reason']), registers });
    this.#gate = new client.Histogram({ name: named('gate_duration_seconds'), help: 'Time the gate took per request, cache lookup and decryption included.', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers });
    this.#hitLatency = new client.Histogram({ name: named('hit_duration_seconds'), help: 'Time to answer a request from the cache, in the gate.', buckets: LATENCY_BUCKETS, registers });
    this.#events = new client.Counter({ name: named('security_events_total'), help: 'Security events by type.', labelNames: ['type'], registers });
    this.#callsSaved = new client.Counter({ name: named('upstream_calls_saved_total'), help: 'Upstream (model) calls avoided by cache hits.', labelNames: t([]), registers });
    this.#tokensSaved = new client.Counter({ name: named('saved_tokens_total'), help: 'Upstream tokens avoided by cache hits (from the stored usage.total_tokens).', labelNames: t([]), registers });
    this.#secondsSaved = new client.Counter({ name: named('saved_seconds_total'), help: 'Upstream time avoided by cache hits (the time each stored answer took).', labelNames: t([]), registers });
    this.#semanticHits = new client.Counter({ name: named('semantic_hits_total'), help: 'Cache hits answered by a semantic match (included in the hit outcome).', labelNames: t([]), registers });
    this.#similarity = new client.Histogram({ name: named('semantic_similarity'), help: 'Cosine similarity of each served semantic match.', buckets: SIMILARITY_BUCKETS, registers });
    if (cacheStore) cacheGauges(client, cacheStore, registers, named);
    if (!tenantLabel) this.#zeros();
  }

  /** The fixed series exist from the start, so dashboards see zeros rather than gaps. */
  #zeros(): void {
    for (const outcome of OUTCOMES) this.#requests.inc({ outcome }, 0);
    for (const code of DENY_CODES) this.#denials.inc({ code }, 0);
    for (const reason of BYPASS_REASONS) this.#bypasses.inc({ reason }, 0);
    this.#callsSaved.inc(0);
    this.#tokensSaved.inc(0);
    this.#secondsSaved.inc(0);
    this.#semanticHits.inc(0);
  }

  record(o: DecisionObservation, tenant: string, saved: { ms: number; tokens: number } | undefined): void {
    const outcome = bounded(o.outcome, KNOWN_OUTCOMES);
    const withTenant = <L extends Record<string, string>>(labels: L): L => (this.#tenantLabel ? { ...labels, tenant } : labels);
    this.#requests.inc(withTenant({ outcome }));
    this.#gate.observe({ outcome }, o.durationMs / 1000);
    if (o.outcome === 'deny') this.#denials.inc(withTenant({ code: bounded(o.code, KNOWN_CODES) }));
    if (o.outcome === 'bypass') for (const reason of o.reasons) this.#bypasses.inc(withTenant({ reason: bounded(reason, KNOWN_REASONS) }));
    if (o.outcome === 'hit' && saved) {
      this.#hitLatency.observe(o.durationMs / 1000);
      this.#callsSaved.inc(withTenant({}));
      if (saved.tokens > 0) this.#tokensSaved.inc(withTenant({}), saved.tokens);
      if (saved.ms > 0) this.#secondsSaved.inc(withTenant({}), saved.ms / 1000);
    }
  }

  event(event: GuardEvent, tenant: string): void {
    this.#events.inc({ type: isKnownEventType(event.type) ? event.type : 'other' });
    if (event.type !== 'cache.semantic_hit') return;
    this.#semanticHits.inc(this.#tenantLabel ? { tenant } : {});
    const similarity = event.similarity;
    // Float rounding can put an identical vector a hair above 1: it still belongs in the top bucket.
    if (typeof similarity === 'number' && Number.isFinite(similarity)) this.#similarity.observe(Math.min(1, Math.max(0, similarity)));
  }
}

/** Most tenants whose own registries are kept; past it, tenants still count in the global series. */
const MAX_TENANT_REGISTRIES = 10_000;

/**
 * Registers the guard's metrics on a prom-client registry and keeps them current from
 * `guard.observe()` and `guard.onEvent()`. No label ever holds a key, a key id, an address, a
 * subject or content: only outcome, deny code, bypass reason and event type (each from a fixed
 * list, else `other`), plus the tenant when `tenantLabel` is set. Each tenant also gets a registry
 * of its own, so `metricsText(tenant)` shows that tenant nothing of any other.
 */
export function createPrometheusMetrics(guard: Guard, options: PrometheusMetricsOptions): PrometheusMetrics {
  const r = resolveOptions(guard, options);
  const global = new SeriesSet(r, r.registry, r.tenantLabel, r.cacheStore);
  const tenants = new Map<string, { registry: PromClient.Registry; series: SeriesSet }>();
  const tenantSet = (tenant: string): { registry: PromClient.Registry; series: SeriesSet } | undefined => {
    let set = tenants.get(tenant);
    if (!set && tenants.size < MAX_TENANT_REGISTRIES) {
      const registry = new r.client.Registry();
      set = { registry, series: new SeriesSet(r, registry, false, undefined) };
      tenants.set(tenant, set);
    }
    return set;
  };
  const seenSavings = new Map<string, { ms: number; tokens: number }>();
  const savings = (o: HitObservation, tenant: string): { ms: number; tokens: number } => {
    if (typeof o.savedMs === 'number' && typeof o.savedTokens === 'number') return { ms: o.savedMs, tokens: o.savedTokens };
    // Older guards put savings only in stats: count the growth since the last hit of this tenant.
    const stats = guard.stats(tenant);
    const before = seenSavings.get(tenant) ?? { ms: 0, tokens: 0 };
    seenSavings.set(tenant, { ms: stats.savedMs, tokens: stats.savedTokens });
    return { ms: Math.max(0, stats.savedMs - before.ms), tokens: Math.max(0, stats.savedTokens - before.tokens) };
  };
  const unobserve = guard.observe((o) => {
    const tenant = o.tenant ?? ANONYMOUS;
    const saved = o.outcome === 'hit' ? savings(o as HitObservation, tenant) : undefined;
    global.record(o, tenant, saved);
    if (o.tenant !== undefined) tenantSet(o.tenant)?.series.record(o, tenant, saved);
  });
  const unlisten = guard.onEvent((event: GuardEvent) => {
    const tenant = typeof event.tenant === 'string' ? event.tenant : undefined;
    global.event(event, tenant ?? ANONYMOUS);
    if (tenant !== undefined) tenantSet(tenant)?.series.event(event, tenant);
  });
  return {
    registry: r.registry,
    contentType: r.registry.contentType,
    metricsText: (tenant?: string) => (tenant === undefined ? r.registry.metrics() : (tenantSet(tenant)?.registry ?? new r.client.Registry()).metrics()),
    stop() {
      unobserve();
      unlisten();
      for (const name of global.names.splice(0)) r.registry.removeSingleMetric(name);
      tenants.clear();
    },
  };
}
