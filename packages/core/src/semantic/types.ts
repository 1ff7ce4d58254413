// Contracts of semantic matching: embedders turn text into vectors, indexes find near vectors inside one partition.

/** Turns texts into vectors. Implementations: the built-in offline embedder, an OpenAI-compatible client, any function. */
export interface Embedder {
  /** Stable name of the model family, e.g. `vectorcache-offline` or `openai:text-embedding-3-small`. Part of the partition. */
  readonly id: string;
  /** Changes whenever the same text would embed differently. Part of the partition. */
  readonly version: string;
  /** Length of every vector returned. */
  readonly dimensions: number;
  /**
   * One vector per text, in order, L2-normalised. May reject (network, timeout): the caller then
   * skips the semantic lookup. `signal` aborts a call that is no longer wanted.
   */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]> | Float32Array[];
}

/** One vector as an index keeps it: opaque tags, never prompt text, tenant or subject in clear. */
export interface IndexedVector {
  /** HMAC of everything a candidate must share (tenant, subject, model, embedder, the request minus its last user message). */
  partition: string;
  /** The cache entry this vector answers with (opaque; the entry itself stays encrypted in the cache store). */
  key: string;
  /** HMAC tag of the tenant, so a tenant erase removes its vectors. */
  tenantTag: string;
  /** HMAC tag of (tenant, subject) when the entry belongs to a subject, so a subject erase removes them. */
  subjectTag?: string;
  /** Unit vector (already under the tenant's keyed rotation when that is on). */
  vector: Float32Array;
  /** Epoch milliseconds after which the vector must not be returned. */
  expiresAt: number;
}

export interface VectorQuery {
  partition: string;
  vector: Float32Array;
  /** How many candidates at most, best first. */
  k: number;
  /** Cosine similarity below which nothing is returned (0..1). */
  minSimilarity: number;
  /** Epoch milliseconds: expired vectors are never returned. */
  now: number;
}

export interface VectorMatch {
  key: string;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/**
 * A vector index: in-process (embedded default) or PostgreSQL + pgvector (shared by instances).
 * Methods may be sync or async; every one must be bounded in time by the implementation.
 */
export interface VectorIndex {
  /** Creates schema / structures; called once by the guard before first use. */
  init?(): Promise<void> | void;
  /** Adds or replaces (same partition and key) one vector. */
  upsert(item: IndexedVector): Promise<void> | void;
  /** Nearest vectors within the query's partition only (an equality pre-filter, never a post-filter). */
  search(query: VectorQuery): Promise<VectorMatch[]> | VectorMatch[];
  /** Removes the vectors of these entry keys; returns how many were removed. */
  deleteKeys(keys: readonly string[]): Promise<number> | number;
  /** Removes every vector of a tenant (tenantTag) or of one subject (tenantTag + subjectTag). */
  deleteOwner(owner: { tenantTag: string; subjectTag?: string }): Promise<number> | number;
  /** Removes expired vectors; returns how many. */
  sweep(now: number): Promise<number> | number;
  shutdown?(): Promise<void> | void;
}
