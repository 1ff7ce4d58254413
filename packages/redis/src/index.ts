// Public entry point of @vectorcache/redis: Redis-backed cache, key and counter stores.
export { RedisCacheStore, tenantBase, tenantOfKey, type RedisCacheStoreOptions } from './cache-store.js';
export { RedisKeyStore, DuplicateKeyError, type RedisKeyStoreOptions } from './key-store.js';
export { RedisCounterStore, type RedisCounterStoreOptions } from './counter-store.js';
export type { RedisStoreOptions } from './connection.js';
export { RedisSecretBackend, type RedisSecretBackendOptions } from './secret-store.js';
