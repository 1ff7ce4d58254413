// Public entry point of @vectorcache/core.
export * from './types.js';
export * from './errors.js';
export { parseDuration, requireDuration } from './duration.js';
