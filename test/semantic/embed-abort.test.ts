// The semantic lookup's time bound aborts the embedder's work: whether the embedder read its signal before the bound fired or after.
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore, MemoryKeyStore, MemoryVectorIndex, createGuard, createKey, type Embedder, type GuardRequest } from '@vectorcache/core';

/** An embedder that never answers; `late` reads its signal only once the bound has long fired. */
function hanging(late: boolean, seen: Array<AbortSignal | undefined>): Embedder {
  return {
    id: 'hanging', version: '1', dimensions: 4,
    embed(_texts, options) {
      if (!late) seen.push(options?.signal);
      else setTimeout(() => seen.push(options?.signal), 60);
      return new Promise<Float32Array[]>(() => {});
    },
  };
}

async function missWith(embedder: Embedder): Promise<void> {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', tenant: 'acme', scopes: ['cache:read', 'cache:write'] });
  const guard = createGuard({
    environment: 'dev', keys, cache: new MemoryCacheStore(), encryption: { secret: 'embed-abort-secret-embed-abort-secret-0123', iterations: 1000 },
    lockout: false, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
    semantic: { embedder, index: new MemoryVectorIndex({ dimensions: 4 }), threshold: 0.9, timeoutMs: 20 },
  });
  await guard.ready();
  const view: GuardRequest = {
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: { model: 'gpt-test', messages: [{ role: 'user', content: 'how do I reset my password in settings?' }] },
  };
  try {
    const decision = await guard.handle(view);
    expect(decision.kind === 'pass' && decision.cacheStatus).toBe('miss');
    expect(guard.stats('acme').semanticSkipped.embedder_timeout).toBe(1);
  } finally {
    await guard.close();
  }
}

describe('semantic lookup: embedder time bound', () => {
  it('aborts the signal the embedder read before the bound fired', async () => {
    const seen: Array<AbortSignal | undefined> = [];
    await missWith(hanging(false, seen));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
  });

  it('hands an already aborted signal to an embedder that reads it after the bound fired', async () => {
    const seen: Array<AbortSignal | undefined> = [];
    await missWith(hanging(true, seen));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
  });
});
