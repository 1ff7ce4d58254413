// The example servers' semantic settings from the environment: off by default, clear errors, memory or pgvector.
import { describe, expect, it } from 'vitest';
import { MemoryVectorIndex } from '@vectorcache/core';
import { PgVectorIndex } from '@vectorcache/pgvector';
import { semanticFromEnv } from './semantic.js';

const fail = (message: string) => new Error(message);

describe('semanticFromEnv', () => {
  it('is off unless VECTORCACHE_SEMANTIC=on', async () => {
    expect(await semanticFromEnv({}, fail)).toEqual({});
    expect(await semanticFromEnv({ VECTORCACHE_SEMANTIC: 'off' }, fail)).toEqual({});
    await expect(semanticFromEnv({ VECTORCACHE_SEMANTIC: 'maybe' }, fail)).rejects.toThrow(/VECTORCACHE_SEMANTIC must be on or off/);
  });

  it('builds the offline embedder with an in-process index, or pgvector from a postgres:// URL', async () => {
    const memory = (await semanticFromEnv({ VECTORCACHE_SEMANTIC: 'on', VECTORCACHE_SEMANTIC_THRESHOLD: '0.9' }, fail)).semantic;
    expect(memory?.index).toBeInstanceOf(MemoryVectorIndex);
    expect(memory?.threshold).toBe(0.9);
    const pg = (await semanticFromEnv({ VECTORCACHE_SEMANTIC: 'on', VECTORCACHE_VECTOR_STORE: 'postgres://u@127.0.0.1:1/db' }, fail)).semantic;
    expect(pg?.index).toBeInstanceOf(PgVectorIndex);
    expect(pg?.threshold).toBeUndefined();
  });

  it('names the variable and the fix', async () => {
    await expect(semanticFromEnv({ VECTORCACHE_SEMANTIC: 'on', VECTORCACHE_SEMANTIC_THRESHOLD: '2' }, fail)).rejects.toThrow(/VECTORCACHE_SEMANTIC_THRESHOLD must be a number in \(0, 1\]/);
    await expect(semanticFromEnv({ VECTORCACHE_SEMANTIC: 'on', VECTORCACHE_VECTOR_STORE: 'redis://x' }, fail)).rejects.toThrow(/VECTORCACHE_VECTOR_STORE must be "memory" or a postgres/);
  });
});
