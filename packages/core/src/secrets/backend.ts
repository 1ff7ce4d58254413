// Where tenants' encrypted upstream keys live: the SecretBackend interface and its in-memory form.
import type { MaybePromise } from '../types.js';

/**
 * Storage for opaque, already-encrypted values (Fernet tokens) by name. Methods may be sync or
 * async; any throw means "unavailable". A backend never sees plaintext: TenantSecrets encrypts first.
 */
export interface SecretBackend {
  get(name: string): MaybePromise<string | undefined>;
  set(name: string, value: string): MaybePromise<void>;
  /** True when something was deleted. */
  delete(name: string): MaybePromise<boolean>;
  init?(): MaybePromise<void>;
  shutdown?(): MaybePromise<void>;
}

/** One process's secrets, lost on restart: for development and tests. */
export class MemorySecretBackend implements SecretBackend {
  readonly #values = new Map<string, string>();

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  set(name: string, value: string): void {
    this.#values.set(name, value);
  }

  delete(name: string): boolean {
    return this.#values.delete(name);
  }

  get size(): number {
    return this.#values.size;
  }

  toJSON(): { type: 'MemorySecretBackend'; size: number } {
    return { type: 'MemorySecretBackend', size: this.#values.size };
  }

  // Values are tokens, not plaintext, but names list tenants and a dump invites copying tokens around.
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `MemorySecretBackend { size: ${this.#values.size} }`;
  }
}
