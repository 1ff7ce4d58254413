// Prometheus metrics from a real guard: outcomes, codes, reasons, latency, events, cache gauges, savings, bounded labels.
import { describe, expect, it } from 'vitest';
import * as client from 'prom-client';
import { createGuard, type GuardRequest, type PassDecision } from '../guard.js';
import type { RespondDecision } from '../contract.js';
import type { GuardEvent } from '../types.js';
import { offlineEmbedder } from '../semantic/embedders/index.js';
import { MemoryVectorIndex } from '../semantic/index/index.js';
import { createKey, MemoryKeyStore } from '../keys/index.js';
import { MemoryCacheStore } from '../stores/index.js';
import { VectorcacheOptionError } from '../errors.js';
import { createPrometheusMetrics } from './metrics.js';

const SECRET = 'metrics-test-secret-metrics-test-secret-0123';

function view(key: string | undefined, content = 'hello', extra: Partial<GuardRequest> = {}): GuardRequest {
  return {
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
    body: { model: 'm', messages: [{ role: 'user', content }] },
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...extra,
  };
}

async function setup(options: { tenantLabel?: boolean } = {}) {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
  const cache = new MemoryCacheStore();
  const guard = createGuard({ environment: 'dev', keys, cache, encryption: { secret: SECRET, iterations: 1000 }, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'] });
  const metrics = createPrometheusMetrics(guard, { client, cacheStore: cache, ...options });
  return { guard, key, metrics };
}

/** The value of one series in the exposition text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createPrometheusMetrics', () => {
  it('counts outcomes, deny codes, bypass reasons, events, latency, cache size and savings', async () => {
    const { guard, key, metrics } = await setup();
    const miss = (await guard.handle(view(key))) as PassDecision;
    expect(miss.cacheStatus).toBe('miss');
    const answer = { id: 'x', choices: [{ message: { role: 'assistant', content: 'hi' } }], usage: { total_tokens: 42 } };
    await guard.complete(miss.ticket!, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) }).done;
    expect((await guard.handle(view(key))).kind).toBe('respond');
    await guard.handle(view(key, 'hello', { headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'cache-control': 'no-cache' } }));
    await guard.handle(view(undefined));
    await guard.handle(view('vc_dev_not-a-key'));

    const text = await metrics.metricsText();
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(value(text, 'vectorcache_requests_total{outcome="miss"}')).toBe(1);
    expect(value(text, 'vectorcache_requests_total{outcome="hit"}')).toBe(1);
    expect(value(text, 'vectorcache_requests_total{outcome="bypass"}')).toBe(1);
    expect(value(text, 'vectorcache_requests_total{outcome="deny"}')).toBe(2);
    expect(value(text, 'vectorcache_denials_total{code="missing_api_key"}')).toBe(1);
    expect(value(text, 'vectorcache_denials_total{code="malformed_api_key"}')).toBe(1);
    expect(value(text, 'vectorcache_denials_total{code="ip_not_allowed"}')).toBe(0);
    expect(value(text, 'vectorcache_bypasses_total{reason="client_no_cache"}')).toBe(1);
    expect(value(text, 'vectorcache_security_events_total{type="auth.failure"}')).toBe(2);
    expect(value(text, 'vectorcache_gate_duration_seconds_count{outcome="deny"}')).toBe(2);
    expect(value(text, 'vectorcache_gate_duration_seconds_bucket{le="0.1",outcome="hit"}')).toBe(1);
    expect(value(text, 'vectorcache_hit_duration_seconds_count')).toBe(1);
    expect(value(text, 'vectorcache_upstream_calls_saved_total')).toBe(1);
    expect(value(text, 'vectorcache_saved_tokens_total')).toBe(42);
    expect(value(text, 'vectorcache_saved_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'vectorcache_cache_entries')).toBe(1);
    expect(value(text, 'vectorcache_cache_bytes')).toBeGreaterThan(Buffer.byteLength(JSON.stringify(answer)));
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/acme|key_[0-9A-Za-z]{16}/);
    metrics.stop();
    await guard.close();
  });

  it('adds a tenant label only when asked; unknown values become "other"', async () => {
    const { guard, key, metrics } = await setup({ tenantLabel: true });
    await guard.handle(view(key));
    await guard.handle(view(undefined));
    const text = await metrics.metricsText();
    expect(value(text, 'vectorcache_requests_total{outcome="miss",tenant="acme"}')).toBe(1);
    expect(value(text, 'vectorcache_denials_total{code="missing_api_key",tenant="_anonymous"}')).toBe(1);
    metrics.stop();
    await guard.close();
  });

  it('stop() unsubscribes and frees the names; a second set on the same registry is refused until then', async () => {
    const { guard, key, metrics } = await setup();
    expect(() => createPrometheusMetrics(guard, { client, registry: metrics.registry })).toThrow(/already holds vectorcache_requests_total/);
    metrics.stop();
    expect(await metrics.registry.metrics()).toBe('\n');
    const again = createPrometheusMetrics(guard, { client, registry: metrics.registry, prefix: 'vc_' });
    await guard.handle(view(key));
    expect(value(await again.metricsText(), 'vc_requests_total{outcome="miss"}')).toBe(1);
    again.stop();
    await guard.close();
  });

  it('observes the similarity of each served semantic match, globally and in the tenant\'s own registry', async () => {
    const keys = new MemoryKeyStore();
    const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
    const embedder = offlineEmbedder();
    const index = new MemoryVectorIndex({ dimensions: embedder.dimensions });
    const guard = createGuard({
      environment: 'dev', keys, cache: new MemoryCacheStore(), encryption: { secret: SECRET, iterations: 1000 },
      silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'], semantic: { embedder, index },
    });
    const metrics = createPrometheusMetrics(guard, { client });
    const events: GuardEvent[] = [];
    guard.onEvent((e) => { events.push(e); });
    const asked = 'How do I reset my password in the settings page?';
    const miss = (await guard.handle(view(key, asked))) as PassDecision;
    const answer = { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
    await guard.complete(miss.ticket!, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) }).done;
    for (const started = Date.now(); index.stats().vectors === 0;) {
      if (Date.now() - started > 5_000) throw new Error('the answer was not indexed within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const hit = (await guard.handle(view(key, 'How can I reset my password in settings page?'))) as RespondDecision;
    expect(hit.headers['x-vectorcache-match']).toBe('semantic');
    // An exact hit is no semantic hit.
    expect(((await guard.handle(view(key, asked))) as RespondDecision).headers['x-vectorcache-match']).toBe('exact');

    const hits = events.filter((e) => e.type === 'cache.semantic_hit');
    expect(hits).toEqual([expect.objectContaining({ tenant: 'acme', threshold: 0.84, stream: false, keyId: expect.stringMatching(/^key_/) })]);
    const similarity = hits[0]!.similarity as number;
    expect(similarity).toBeGreaterThanOrEqual(0.84);
    expect(similarity).toBeLessThan(1);
    expect(JSON.stringify(hits)).not.toMatch(/password|settings/);

    const upper = [0.8, 0.84, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1].find((le) => similarity <= le)!;
    for (const text of [await metrics.metricsText(), await metrics.metricsText('acme')]) {
      expect(value(text, 'vectorcache_semantic_hits_total')).toBe(1);
      expect(value(text, 'vectorcache_semantic_similarity_count')).toBe(1);
      expect(value(text, 'vectorcache_semantic_similarity_sum')).toBeCloseTo(similarity, 9);
      expect(value(text, 'vectorcache_semantic_similarity_bucket{le="0.8"}')).toBe(0);
      expect(value(text, `vectorcache_semantic_similarity_bucket{le="${upper}"}`)).toBe(1);
      expect(value(text, 'vectorcache_security_events_total{type="cache.semantic_hit"}')).toBe(1);
    }
    const other = await metrics.metricsText('globex');
    expect(value(other, 'vectorcache_semantic_hits_total')).toBe(0);
    expect(value(other, 'vectorcache_semantic_similarity_count')).toBe(0);
    metrics.stop();
    await guard.close();
  });

  it('validates its options', async () => {
    const { guard, metrics } = await setup();
    metrics.stop();
    expect(() => createPrometheusMetrics(guard, { client: {} as never })).toThrow(VectorcacheOptionError);
    expect(() => createPrometheusMetrics(guard, { client, prefix: 'bad-prefix' })).toThrow(/option `prefix`/);
    expect(() => createPrometheusMetrics({} as never, { client })).toThrow(/option `guard`/);
    await guard.close();
  });
});
