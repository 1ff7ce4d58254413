// Vector indexes for semantic matching: the in-process one and the pieces every index shares.
export { MemoryVectorIndex, type MemoryVectorIndexOptions, type MemoryVectorIndexStats } from './memory.js';
export { VectorIndexError, checkItem, checkQuery, checkVector, type VectorIndexErrorCode } from './errors.js';
