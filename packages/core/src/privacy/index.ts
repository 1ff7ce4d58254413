// Privacy: subject erase and export over a store, erase fences, "do not cache" markers and the guard's privacy API.
export { subjectEntries, exportSubject, eraseSubject, eraseReceipt, type SubjectExportOptions } from './store-ops.js';
export { EraseFences, ERASE_FENCE_MS, subjectFence, tenantFence } from './fences.js';
export { DoNotCacheMarkers } from './no-cache.js';
export { createPrivacyRights, type PrivacyDeps } from './rights.js';
