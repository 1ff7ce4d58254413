// Coded errors and input checks shared by every VectorIndex: a wrong vector is a clear error, never a silent miss.
import type { IndexedVector, VectorQuery } from '../types.js';

export type VectorIndexErrorCode = 'dimension_mismatch' | 'invalid_vector' | 'invalid_query' | 'index_unavailable' | 'index_timeout';

/** Thrown (or rejected with) by an index; the guard treats any of them as "skip the semantic lookup". */
export class VectorIndexError extends Error {
  readonly code: VectorIndexErrorCode;
  constructor(code: VectorIndexErrorCode, message: string, options?: { cause?: unknown }) {
    super(`vectorcache: ${message}`, options);
    this.name = 'VectorIndexError';
    this.code = code;
  }
}

/** Unit vectors only: cosine is then a dot product, and a non-normalised vector is a caller bug worth naming. */
export function checkVector(vector: unknown, dimensions: number, what: string): Float32Array {
  if (!(vector instanceof Float32Array)) throw new VectorIndexError('invalid_vector', `${what} must be a Float32Array`);
  if (vector.length !== dimensions) {
    throw new VectorIndexError('dimension_mismatch', `${what} has ${vector.length} dimensions, the index was built for ${dimensions} (embedder and index dimensions must agree)`);
  }
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (!(Math.abs(norm - 1) < 1e-3)) throw new VectorIndexError('invalid_vector', `${what} must be L2-normalised (squared norm ${norm.toFixed(4)})`);
  return vector;
}

function nonEmpty(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new VectorIndexError('invalid_vector', `${what} must be a non-empty string`);
}

export function checkItem(item: IndexedVector, dimensions: number): void {
  if (item === null || typeof item !== 'object') throw new VectorIndexError('invalid_vector', 'upsert needs an IndexedVector object');
  nonEmpty(item.partition, 'partition');
  nonEmpty(item.key, 'key');
  nonEmpty(item.tenantTag, 'tenantTag');
  if (item.subjectTag !== undefined) nonEmpty(item.subjectTag, 'subjectTag');
  if (!Number.isFinite(item.expiresAt)) throw new VectorIndexError('invalid_vector', 'expiresAt must be epoch milliseconds');
  checkVector(item.vector, dimensions, 'vector');
}

export function checkQuery(query: VectorQuery, dimensions: number): void {
  if (query === null || typeof query !== 'object') throw new VectorIndexError('invalid_query', 'search needs a VectorQuery object');
  nonEmpty(query.partition, 'partition');
  if (!Number.isSafeInteger(query.k) || query.k <= 0 || query.k > 1000) throw new VectorIndexError('invalid_query', `k must be an integer in 1..1000 (got ${String(query.k)})`);
  if (!(query.minSimilarity >= -1 && query.minSimilarity <= 1)) throw new VectorIndexError('invalid_query', 'minSimilarity must be within -1..1');
  if (!Number.isFinite(query.now)) throw new VectorIndexError('invalid_query', 'now must be epoch milliseconds');
  checkVector(query.vector, dimensions, 'query vector');
}
