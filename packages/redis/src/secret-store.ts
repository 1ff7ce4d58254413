// RedisSecretBackend: tenants' encrypted upstream keys (Fernet tokens) shared by every instance.
import type { SecretBackend } from '@vectorcache/core';
import { bounded, close, connect, ready, type Connection, type RedisStoreOptions } from './connection.js';

export interface RedisSecretBackendOptions extends RedisStoreOptions {
  /** Bound of each Redis call, in ms (a lookup sits on the request path of upstream calls). Defaults to 500. */
  commandTimeoutMs?: number;
}

/**
 * Values are stored as given under `<prefix>secret:<name>`, without expiry. TenantSecrets hands
 * this backend Fernet tokens only, so a dump of Redis shows no upstream key.
 */
export class RedisSecretBackend implements SecretBackend {
  readonly #conn: Connection;

  constructor(options: RedisSecretBackendOptions = {}) {
    this.#conn = connect('RedisSecretBackend', options, 500);
  }

  async get(name: string): Promise<string | undefined> {
    const value = await this.#run('get', () => this.#conn.client.get(this.#key(name)));
    return value ?? undefined;
  }

  async set(name: string, value: string): Promise<void> {
    if (typeof value !== 'string') throw new TypeError('vectorcache: RedisSecretBackend.set expects a string value');
    await this.#run('set', () => this.#conn.client.set(this.#key(name), value));
  }

  async delete(name: string): Promise<boolean> {
    return (await this.#run('delete', () => this.#conn.client.del(this.#key(name)))) > 0;
  }

  /** Waits (at most 2 s, never throwing) for the first connection; until then calls fail fast. */
  async init(): Promise<void> {
    await ready(this.#conn.client, 2_000);
  }

  async shutdown(): Promise<void> {
    if (this.#conn.owned) await close(this.#conn.client);
  }

  toJSON(): { type: 'RedisSecretBackend' } {
    return { type: 'RedisSecretBackend' };
  }

  // The connection options may hold an ACL password in the URL.
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'RedisSecretBackend {}';
  }

  #key(name: string): string {
    if (typeof name !== 'string' || name.length === 0 || name.length > 512) throw new TypeError('vectorcache: RedisSecretBackend names must be 1-512 characters');
    return `${this.#conn.prefix}secret:${name}`;
  }

  #run<T>(what: string, call: () => Promise<T>): Promise<T> {
    return bounded(`RedisSecretBackend.${what}`, this.#conn.timeoutMs, call);
  }
}
