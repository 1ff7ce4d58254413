// Public API of the encryption-at-rest primitives (Fernet, key rotation, key derivation, entry cipher).
export { Fernet, InvalidToken } from './fernet.js';
export type { FernetEncryptOptions, FernetDecryptOptions } from './fernet.js';
export { MultiFernet } from './multi-fernet.js';
export type { MultiFernetDecryption } from './multi-fernet.js';
export { deriveFernetKey, DEFAULT_PBKDF2_ITERATIONS } from './derive.js';
export type { DeriveFernetKeyOptions } from './derive.js';
export { createEntryCipher, validateEncryptionOptions, DEFAULT_ENCRYPTION_SALT } from './entry-cipher.js';
export type { EncryptionOptions, EncryptionWarning, EncryptionValidationContext, EntryCipher } from './entry-cipher.js';
