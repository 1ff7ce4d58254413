// API keys: format, scopes, extraction, verification, management and the memory and file stores.
export * from './format.js';
export * from './scopes.js';
export * from './extract.js';
export * from './verify.js';
export * from './manage.js';
export * from './records.js';
export { normalizeCidr, validateAllowedIps } from './allowed-ips.js';
export { MemoryKeyStore } from './memory-store.js';
export { FileKeyStore, type FileKeyStoreOptions } from './file-store.js';
