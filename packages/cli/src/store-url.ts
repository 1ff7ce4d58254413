// Opens the key store a `--store` URL names: `file:<path>` (FileKeyStore) or `redis://…` (RedisKeyStore).
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileKeyStore, type KeyStore } from '@vectorcache/core';
import { CommandError, UsageError } from './context.js';

/** The store used when neither `--store` nor VECTORCACHE_KEY_STORE is given. */
export const DEFAULT_KEY_STORE = 'file:.vectorcache/keys.json';

export interface OpenedKeyStore {
  store: KeyStore;
  /** Where the keys are, for messages: a file path, or `redis` (never a URL, which may hold a password). */
  where: string;
  close(): Promise<void>;
}

type RedisModule = { RedisKeyStore?: new (options: { url: string; prefix?: string }) => KeyStore };

/**
 * Opens `url` (or VECTORCACHE_KEY_STORE, or the default file). File paths are relative to `cwd`.
 * Redis support is loaded only when asked for, so file-only use needs no Redis client.
 */
export async function openKeyStore(url: string | undefined, options: { env: Record<string, string | undefined>; cwd: string; group?: string }): Promise<OpenedKeyStore> {
  const text = url ?? (options.env.VECTORCACHE_KEY_STORE || DEFAULT_KEY_STORE);
  if (text.startsWith('file:')) {
    let path: string;
    try {
      path = text.startsWith('file://') ? fileURLToPath(text) : text.slice('file:'.length);
    } catch {
      throw new UsageError('--store has an invalid file URL; use file:<path>', options.group);
    }
    if (path.trim() === '') throw new UsageError('--store file:<path> needs a path', options.group);
    const resolved = nodePath.resolve(options.cwd, path);
    let store: FileKeyStore;
    try {
      store = new FileKeyStore(resolved, { watch: false });
    } catch (error) {
      throw new CommandError((error as Error).message, { cause: error });
    }
    return { store, where: resolved, close: () => store.shutdown() };
  }
  if (/^rediss?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new UsageError('--store has an invalid Redis URL; use redis://host:port/db', options.group);
    }
    // A variable specifier keeps the Redis package an optional, run-time-only dependency.
    const specifier = '@vectorcache/redis';
    let mod: RedisModule;
    try {
      mod = (await import(specifier)) as RedisModule;
    } catch (error) {
      throw new CommandError(`cannot load ${specifier} for a Redis key store (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    if (typeof mod.RedisKeyStore !== 'function') throw new CommandError(`${specifier} does not provide RedisKeyStore`);
    // The same key prefix as the servers (VECTORCACHE_REDIS_PREFIX), so both see one set of keys.
    const prefix = options.env.VECTORCACHE_REDIS_PREFIX;
    const store = new mod.RedisKeyStore(prefix ? { url: text, prefix } : { url: text });
    try {
      await store.init?.();
    } catch (error) {
      await Promise.resolve(store.shutdown?.()).catch(() => undefined);
      throw new CommandError(`cannot connect to the Redis key store (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    return { store, where: 'redis', close: async () => void (await store.shutdown?.()) };
  }
  // The value is not echoed: a mistyped URL may still carry a password.
  throw new UsageError('--store must be file:<path> or redis://host:port/db (also rediss://)', options.group);
}
