// Public API of tenant secrets (bring-your-own upstream keys, encrypted at rest).
export { MemorySecretBackend, type SecretBackend } from './backend.js';
export { TenantSecrets, SecretIntegrityError, type TenantSecretsOptions } from './tenant-secrets.js';
