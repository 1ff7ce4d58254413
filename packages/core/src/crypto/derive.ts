// Turns a human-managed secret into a Fernet key with PBKDF2, matching Python's PBKDF2HMAC output.
import { pbkdf2 } from 'node:crypto';
import { encodeBase64Url } from './base64url.js';

/** Iterations used when none are given; the product's documented default. */
export const DEFAULT_PBKDF2_ITERATIONS = 100_000;
const MAX_ITERATIONS = 100_000_000;

/** Options of {@link deriveFernetKey}. */
export interface DeriveFernetKeyOptions {
  /** PBKDF2-HMAC-SHA256 iteration count. Defaults to 100_000. */
  iterations?: number;
}

/** The 32 raw key bytes; shared by deriveFernetKey and the entry cipher, which needs bytes for HKDF. */
export async function deriveFernetKeyBytes(
  secret: string | Uint8Array,
  salt: string | Uint8Array,
  opts: DeriveFernetKeyOptions = {},
): Promise<Buffer> {
  const iterations = opts.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new TypeError(`deriveFernetKey: iterations must be an integer from 1 to ${MAX_ITERATIONS}`);
  }
  const secretBytes = toBytes(secret, 'secret');
  if (secretBytes.byteLength === 0) throw new TypeError('deriveFernetKey: secret must not be empty');
  const saltBytes = toBytes(salt, 'salt');
  return new Promise((resolve, reject) => {
    pbkdf2(secretBytes, saltBytes, iterations, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Derives a Fernet key from a secret with PBKDF2-HMAC-SHA256 (32 bytes), returned exactly as
 * Python's `base64.urlsafe_b64encode` would print it, so a Python service can pass it to
 * `cryptography.fernet.Fernet`. Strings are UTF-8 encoded. Runs on the libuv thread pool; call it
 * once at start-up, never per request.
 */
export async function deriveFernetKey(
  secret: string | Uint8Array,
  salt: string | Uint8Array,
  opts: DeriveFernetKeyOptions = {},
): Promise<string> {
  return encodeBase64Url(await deriveFernetKeyBytes(secret, salt, opts));
}

function toBytes(value: string | Uint8Array, name: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`deriveFernetKey: ${name} must be a string or a Uint8Array`);
}
