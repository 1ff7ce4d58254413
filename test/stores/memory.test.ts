// Runs the store conformance suites against the in-process memory stores.
import { MemoryCacheStore, MemoryCounterStore } from '../../packages/core/src/stores/index.js';
import { cacheStoreSuite, counterStoreSuite } from './suite.js';

cacheStoreSuite('MemoryCacheStore', () => ({ store: new MemoryCacheStore() }));
cacheStoreSuite('MemoryCacheStore (30 kB bound)', () => ({ store: new MemoryCacheStore({ maxBytes: 30_000 }) }), { maxBytes: 30_000 });
counterStoreSuite('MemoryCounterStore', () => ({ store: new MemoryCounterStore() }));
