// Tenants' own upstream LLM keys (bring your own key), stored only as Fernet tokens bound to tenant and provider.
import { EntryCodec } from '../entries.js';
import type { EntryCipher } from '../crypto/index.js';
import { optionError } from '../errors.js';
import { MemorySecretBackend, type SecretBackend } from './backend.js';

/** Same rule as API key tenants. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** `openai`, `anthropic`, `azure-openai`, `mistral.eu`, … */
const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_VALUE_CHARS = 8_192;

export interface TenantSecretsOptions {
  /**
   * Encrypts the values: the guard's EntryCodec (must have encryption configured), or a promise of
   * it (e.g. resolved once the guard's keys are derived). Give this or `cipher`. Defaults to none.
   */
  codec?: EntryCodec | PromiseLike<EntryCodec>;
  /** An EntryCipher from createEntryCipher, instead of `codec`. Defaults to none. */
  cipher?: EntryCipher;
  /** Where the tokens are kept; share one (e.g. RedisSecretBackend) across instances. Defaults to a new MemorySecretBackend. */
  backend?: SecretBackend;
}

interface Sealed {
  /** Tenant and provider the value belongs to, checked on read: a token copied to another slot is refused. */
  t: string;
  p: string;
  v: string;
}

/**
 * Per-tenant upstream keys, encrypted under the cache's newest key before they reach the backend
 * and re-encrypted on read when an older key opened them. Values never appear in errors, events,
 * `util.inspect` or JSON.
 */
export class TenantSecrets {
  readonly #codec: Promise<EntryCodec>;
  readonly #backend: SecretBackend;

  constructor(options: TenantSecretsOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('vectorcache: TenantSecrets options must be an object');
    for (const name of Object.keys(options)) {
      if (!['codec', 'cipher', 'backend'].includes(name)) throw optionError(`TenantSecrets.${name}`, 'is not an option (known: codec, cipher, backend)');
    }
    const { codec, cipher, backend } = options;
    if ((codec === undefined) === (cipher === undefined)) {
      throw optionError('TenantSecrets.codec', 'is required: pass the guard\'s EntryCodec (with `encryption` configured) or an EntryCipher as `cipher`, not both');
    }
    if (cipher !== undefined) {
      if (typeof cipher?.encrypt !== 'function' || typeof cipher?.decrypt !== 'function') throw optionError('TenantSecrets.cipher', 'must be an EntryCipher from createEntryCipher()');
      this.#codec = Promise.resolve(new EntryCodec(cipher));
    } else if (codec instanceof EntryCodec) {
      this.#codec = Promise.resolve(checkEncrypting(codec));
    } else if (typeof (codec as PromiseLike<EntryCodec>)?.then === 'function') {
      this.#codec = Promise.resolve(codec as PromiseLike<EntryCodec>).then(checkEncrypting);
      // Reported by each call; not an unhandled rejection before the first one.
      this.#codec.catch(() => undefined);
    } else {
      throw optionError('TenantSecrets.codec', 'must be an EntryCodec (or a promise of one)');
    }
    if (backend !== undefined && (typeof backend?.get !== 'function' || typeof backend.set !== 'function' || typeof backend.delete !== 'function')) {
      throw optionError('TenantSecrets.backend', 'must have get(name), set(name, value) and delete(name)');
    }
    this.#backend = backend ?? new MemorySecretBackend();
  }

  /** Stores (or replaces) a tenant's key for one upstream provider. */
  async set(tenant: string, provider: string, value: string): Promise<void> {
    const name = slot(tenant, provider);
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_CHARS) {
      throw new TypeError(`vectorcache: the ${provider} key of tenant ${tenant} must be a non-empty string of at most ${MAX_VALUE_CHARS} characters`);
    }
    const codec = await this.#codec;
    const sealed: Sealed = { t: tenant, p: provider, v: value };
    await this.#backend.set(name, codec.encryptText(JSON.stringify(sealed)));
  }

  /**
   * The tenant's key for a provider, or undefined when none is stored. Throws when the stored token
   * cannot be opened or belongs to another slot (tampering, or a secret that was removed too early).
   */
  async get(tenant: string, provider: string): Promise<string | undefined> {
    const name = slot(tenant, provider);
    const codec = await this.#codec;
    const token = await this.#backend.get(name);
    if (token === undefined || token === null) return undefined;
    let opened: { text: string; stale: boolean };
    let sealed: Sealed;
    try {
      opened = codec.decryptText(token);
      sealed = JSON.parse(opened.text) as Sealed;
    } catch {
      throw new SecretIntegrityError(tenant, provider, 'cannot be decrypted with the configured encryption keys');
    }
    if (sealed?.t !== tenant || sealed.p !== provider || typeof sealed.v !== 'string') {
      throw new SecretIntegrityError(tenant, provider, 'belongs to another tenant or provider');
    }
    if (opened.stale) {
      // Best effort: the value is correct either way, and the next read retries the rewrite.
      void Promise.resolve()
        .then(() => this.#backend.set(name, codec.encryptText(opened.text)))
        .catch(() => undefined);
    }
    return sealed.v;
  }

  /** Removes a tenant's key for a provider; true when one was stored. */
  async delete(tenant: string, provider: string): Promise<boolean> {
    return Boolean(await this.#backend.delete(slot(tenant, provider)));
  }

  toJSON(): { type: 'TenantSecrets' } {
    return { type: 'TenantSecrets' };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'TenantSecrets { values: [redacted] }';
  }
}

/** A stored upstream key failed its integrity check; names the slot, never the value. */
export class SecretIntegrityError extends Error {
  readonly tenant: string;
  readonly provider: string;
  constructor(tenant: string, provider: string, reason: string) {
    super(`vectorcache: the stored ${provider} key of tenant ${tenant} ${reason}`);
    this.name = 'SecretIntegrityError';
    this.tenant = tenant;
    this.provider = provider;
  }
}

function checkEncrypting(codec: EntryCodec): EntryCodec {
  if (!(codec instanceof EntryCodec) || !codec.encrypting) {
    throw optionError('encryption', 'is required to store tenants\' upstream keys: they are kept only as Fernet tokens, never in plaintext');
  }
  return codec;
}

/** Backend name `<tenant>/<provider>`: neither part may contain `/`, so names never collide. */
function slot(tenant: string, provider: string): string {
  if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
    throw new TypeError('vectorcache: tenant must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
  }
  if (typeof provider !== 'string' || !PROVIDER.test(provider)) {
    throw new TypeError('vectorcache: provider must be 1-64 lowercase letters, digits, ".", "_" or "-" (e.g. "openai"), starting with a letter or digit');
  }
  return `${tenant}/${provider}`;
}
