// Semantic matching of the example servers from the environment: VECTORCACHE_SEMANTIC, _SEMANTIC_THRESHOLD, _VECTOR_STORE.
import { MemoryVectorIndex, offlineEmbedder, type SemanticOptions, type VectorIndex } from '@vectorcache/core';

/**
 * Off unless VECTORCACHE_SEMANTIC=on. The offline embedder (no network); the index in this process
 * (`memory`, the default) or a PostgreSQL with pgvector (`postgres://…`, shared by every instance).
 */
export async function semanticFromEnv(env: NodeJS.ProcessEnv, fail: (message: string) => Error): Promise<{ semantic?: SemanticOptions }> {
  const on = env.VECTORCACHE_SEMANTIC ?? 'off';
  if (/^(0|false|no|off)$/i.test(on) || on === '') return {};
  if (!/^(1|true|yes|on)$/i.test(on)) throw fail(`VECTORCACHE_SEMANTIC must be on or off (got ${JSON.stringify(on)}).`);
  const embedder = offlineEmbedder();
  let threshold: number | undefined;
  const rawThreshold = env.VECTORCACHE_SEMANTIC_THRESHOLD;
  if (rawThreshold !== undefined && rawThreshold !== '') {
    threshold = Number(rawThreshold);
    if (!(threshold > 0 && threshold <= 1)) throw fail(`VECTORCACHE_SEMANTIC_THRESHOLD must be a number in (0, 1], e.g. 0.9 (got ${JSON.stringify(rawThreshold)}).`);
  }
  const store = env.VECTORCACHE_VECTOR_STORE ?? 'memory';
  let index: VectorIndex;
  if (store === 'memory') {
    index = new MemoryVectorIndex({ dimensions: embedder.dimensions });
  } else if (/^postgres(ql)?:\/\//.test(store)) {
    const { PgVectorIndex } = await import('@vectorcache/pgvector');
    index = new PgVectorIndex({ connectionString: store, dimensions: embedder.dimensions });
  } else {
    throw fail('VECTORCACHE_VECTOR_STORE must be "memory" or a postgres://user:password@host:5432/db URL (PostgreSQL with pgvector >= 0.5).');
  }
  return { semantic: { embedder, index, ...(threshold === undefined ? {} : { threshold }) } };
}
