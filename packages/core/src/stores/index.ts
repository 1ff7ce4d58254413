// Memory stores of the core: the embedded cache and counters.
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-cache-store.js';
export { MemoryCounterStore, type MemoryCounterStoreOptions } from './memory-counter-store.js';
