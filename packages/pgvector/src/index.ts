// @vectorcache/pgvector: the PostgreSQL + pgvector VectorIndex, shared by every instance of a deployment.
export { PgVectorIndex } from './pg-vector-index.js';
export type { PgVectorIndexOptions } from './options.js';
export type { PgPoolLike, PgClientLike } from './bounded.js';
export type { SchemaInfo } from './schema.js';
