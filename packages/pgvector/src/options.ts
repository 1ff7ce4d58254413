// Options of PgVectorIndex, validated once at construction with errors naming the option and the fix.
import { optionError } from '@vectorcache/core';
import type { PgPoolLike } from './bounded.js';

export interface PgVectorIndexOptions {
  /** Your `pg.Pool` (not ended by `shutdown()`). Give this or `connectionString`. */
  pool?: PgPoolLike;
  /** A `postgres://` URL: the index makes its own pool (ended by `shutdown()`). */
  connectionString?: string;
  /** Length of every vector (the embedder's `dimensions`). Required. */
  dimensions: number;
  /** Table name (a plain lower-case identifier); `<table>_schema` holds the schema version. Defaults to `vectorcache_vectors`. */
  table?: string;
  /** Bound of every call but `init()`, waiting for a connection included. Defaults to 250 ms. */
  timeoutMs?: number;
  /** Bound of `init()` (schema creation may wait for another instance's migration). Defaults to 30_000 ms. */
  initTimeoutMs?: number;
  /** Connections of the pool the index makes from `connectionString`. Defaults to 4. */
  poolSize?: number;
  /** HNSW graph degree (pgvector `m`), used when the index is first created. Defaults to 16. */
  m?: number;
  /** HNSW build candidate list (pgvector `ef_construction`), used when the index is first created. Defaults to 64. */
  efConstruction?: number;
}

export interface PgVectorSettings {
  pool: PgPoolLike | undefined;
  connectionString: string | undefined;
  dimensions: number;
  table: string;
  timeoutMs: number;
  initTimeoutMs: number;
  poolSize: number;
  m: number;
  efConstruction: number;
}

const KNOWN = ['pool', 'connectionString', 'dimensions', 'table', 'timeoutMs', 'initTimeoutMs', 'poolSize', 'm', 'efConstruction'];
const TABLE = /^[a-z_][a-z0-9_]{0,40}$/;

function integer(option: string, value: unknown, fallback: number | undefined, min: number, max: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw optionError(option, `must be an integer in ${min}..${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function validateOptions(options: PgVectorIndexOptions): PgVectorSettings {
  if (options === null || typeof options !== 'object') throw optionError('PgVectorIndex', 'needs an options object: { connectionString | pool, dimensions }');
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) throw optionError(`PgVectorIndex.${name}`, `is not an option (known: ${KNOWN.join(', ')})`);
  }
  const { pool, connectionString } = options;
  if ((pool === undefined) === (connectionString === undefined)) throw optionError('pool', 'or `connectionString` is required, not both: a pg.Pool, or a postgres:// URL');
  if (pool !== undefined && (pool === null || typeof pool.connect !== 'function')) throw optionError('pool', 'must be a pg.Pool (an object with connect())');
  if (connectionString !== undefined && (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString))) {
    throw optionError('connectionString', 'must be a postgres:// or postgresql:// URL');
  }
  const table = options.table ?? 'vectorcache_vectors';
  if (typeof table !== 'string' || !TABLE.test(table)) throw optionError('table', `must be a lower-case SQL identifier of at most 41 characters ([a-z_][a-z0-9_]*), got ${JSON.stringify(table)}`);
  return {
    pool,
    connectionString,
    table,
    // pgvector's HNSW indexes vectors of up to 2,000 dimensions.
    dimensions: integer('dimensions', options.dimensions, undefined, 1, 2000),
    timeoutMs: integer('timeoutMs', options.timeoutMs, 250, 1, 60_000),
    initTimeoutMs: integer('initTimeoutMs', options.initTimeoutMs, 30_000, 1, 600_000),
    poolSize: integer('poolSize', options.poolSize, 4, 1, 100),
    m: integer('m', options.m, 16, 2, 100),
    efConstruction: integer('efConstruction', options.efConstruction, 64, 4, 1000),
  };
}
