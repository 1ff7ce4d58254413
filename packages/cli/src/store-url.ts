// Opens the key store a `--store` URL names: `file:<path>` (FileKeyStore) or `redis://…` (RedisKeyStore).
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { FileKeyStore, type CacheStore, type KeyStore, type Logger } from '@vectorcache/core';
import { CommandError, UsageError } from './context.js';

/** The store used when neither `--store` nor VECTORCACHE_KEY_STORE is given. */
export const DEFAULT_KEY_STORE = 'file:.vectorcache/keys.json';

export interface OpenedKeyStore {
  store: KeyStore;
  /** Where the keys are, for messages: a file path, or `redis` (never a URL, which may hold a password). */
  where: string;
  close(): Promise<void>;
}

type RedisModule = {
  RedisKeyStore?: new (options: { client: Redis; prefix?: string; watch: boolean; localCacheMs: number; commandTimeoutMs: number }) => KeyStore;
};

/** A short, secret-free reason: the error code (ECONNREFUSED, WRONGPASS …) or the message's first line. */
function reason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message.split('\n')[0]!.slice(0, 200) : String(error);
}

/**
 * One connection for one CLI run: no reconnect loop, no offline queue, no pub/sub subscriber (a
 * one-shot command needs no change notifications). An unreachable Redis fails here, at once, as
 * one line naming host and port (never the URL, which may carry a password).
 */
const CONNECT_TIMEOUT_MS = 2_000;

async function connectOnce(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const target = new URL(url);
  const where = `${target.hostname || '127.0.0.1'}:${target.port || '6379'}`;
  const client = new Redis(url, {
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null,
    connectTimeout: CONNECT_TIMEOUT_MS, disconnectTimeout: 100,
  });
  let failure: unknown;
  // Keeps ioredis from printing its own "Unhandled error event"; the failure is reported once, below.
  client.on('error', (error: unknown) => {
    failure ??= error;
  });
  // connectTimeout covers the TCP handshake only: a server that accepts and stays silent is cut off here.
  let silent = false;
  const timer = setTimeout(() => {
    silent = true;
    client.disconnect();
  }, CONNECT_TIMEOUT_MS);
  try {
    await client.connect();
  } catch (error) {
    // A client that already ended must not be disconnected again: ioredis would arm a timer on the dead socket.
    if (client.status !== 'end') client.disconnect();
    const why = silent ? `no answer within ${CONNECT_TIMEOUT_MS} ms` : reason(failure ?? error);
    throw new CommandError(`cannot connect to the Redis key store at ${where} (${why})`, { cause: failure ?? error });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

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
    const client = await connectOnce(text);
    // The same key prefix as the servers (VECTORCACHE_REDIS_PREFIX), so both see one set of keys.
    const prefix = options.env.VECTORCACHE_REDIS_PREFIX;
    // Every read goes to Redis (no local cache); an operator command may take longer than a request.
    const store = new mod.RedisKeyStore({ client, watch: false, localCacheMs: 0, commandTimeoutMs: 5_000, ...(prefix ? { prefix } : {}) });
    const close = async (): Promise<void> => {
      await store.shutdown?.();
      await client.quit().catch(() => client.disconnect());
    };
    return { store, where: 'redis', close };
  }
  // The value is not echoed: a mistyped URL may still carry a password.
  throw new UsageError('--store must be file:<path> or redis://host:port/db (also rediss://)', options.group);
}

type RedisCacheModule = {
  RedisCacheStore?: new (options: { url: string; prefix?: string; commandTimeoutMs?: number; adminTimeoutMs?: number; logger?: Logger }) => CacheStore;
};

/** Checks a cache `--store` URL before any slow work (key derivation), so usage errors come first. */
export function checkRedisStoreUrl(url: string | undefined, group: string, memoryHint: string): string {
  if (url === undefined || url.trim() === '') throw new UsageError('needs --store redis://host:port/db (or VECTORCACHE_CACHE)', group);
  if (url === 'memory') throw new UsageError(memoryHint, group);
  if (!/^rediss?:\/\//i.test(url)) throw new UsageError('--store must be redis://host:port/db (also rediss://)', group);
  try {
    new URL(url);
  } catch {
    throw new UsageError('--store has an invalid Redis URL; use redis://host:port/db', group);
  }
  return url;
}

/**
 * Opens the Redis cache store a `--store` URL names, for operator jobs (rotation, erase, export).
 * Only Redis: an in-memory cache lives inside its server process, so `memory` gets a usage error
 * saying what to do instead. The URL is never echoed: it may carry a password.
 */
export async function openRedisCacheStore(
  url: string | undefined,
  options: { group: string; prefix?: string; logger?: Logger; memoryHint: string },
): Promise<CacheStore> {
  url = checkRedisStoreUrl(url, options.group, options.memoryHint);
  // A variable specifier keeps the Redis package an optional, run-time-only dependency.
  const specifier = '@vectorcache/redis';
  let mod: RedisCacheModule;
  try {
    mod = (await import(specifier)) as RedisCacheModule;
  } catch (error) {
    throw new CommandError(`cannot load ${specifier} (${(error as Error).message.split('\n')[0]})`, { cause: error });
  }
  if (typeof mod.RedisCacheStore !== 'function') throw new CommandError(`${specifier} does not provide RedisCacheStore`);
  let store: CacheStore;
  try {
    // Generous bounds: an operator's batch job, not a request path.
    store = new mod.RedisCacheStore({
      url, commandTimeoutMs: 5_000, adminTimeoutMs: 30_000,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (error) {
    throw new CommandError((error as Error).message, { cause: error });
  }
  await store.init?.();
  return store;
}
