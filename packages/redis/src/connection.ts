// Shared Redis plumbing for the stores: option checks, client creation, Lua helpers and bounded commands.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis, type Cluster } from 'ioredis';
import { StoreUnavailableError, optionError, type Logger } from '@vectorcache/core';

/** Options every Redis store accepts. */
export interface RedisStoreOptions {
  /**
   * Connection URL: `redis://host:6379/0`, `rediss://…` for TLS, `redis://user:password@host` for
   * ACL users. Ignored when `client` is given. Defaults to `redis://127.0.0.1:6379`.
   */
  url?: string;
  /**
   * Bring your own ioredis client (a `Redis` or a `Cluster`). The store then never closes it and
   * leaves its retry and queue settings to you. Defaults to a client the store creates from `url`.
   */
  client?: Redis | Cluster;
  /**
   * TLS settings for a `rediss://` URL (e.g. `{ ca }` for a private CA, `servername`); the URL alone
   * uses the system's trusted CAs. Ignored when `client` is given. Defaults to none.
   */
  tls?: TlsOptions;
  /** Prefix of every key and channel the store uses; may not contain `{` or `}`. Defaults to `'vc:'`. */
  prefix?: string;
  /** Upper bound of any one Redis call on the request path, in milliseconds. Defaults per store. */
  commandTimeoutMs?: number;
  /** Where connection problems are reported (once per outage, not per retry). Defaults to `console`. */
  logger?: Logger;
}

export interface Connection {
  client: Redis | Cluster;
  /** True when the store created the client and so must close it. */
  owned: boolean;
  prefix: string;
  timeoutMs: number;
  logger: Logger;
}

const KNOWN = ['url', 'client', 'tls', 'prefix', 'commandTimeoutMs', 'logger'];

const consoleLogger: Logger = {
  info: (obj, msg) => console.info(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/** Validates the common options (plus a store's own `extra` names) and opens or adopts a client. */
export function connect(store: string, options: RedisStoreOptions, defaultTimeoutMs: number, extra: readonly string[] = [], clientTimeoutMs = defaultTimeoutMs): Connection {
  if (options === null || typeof options !== 'object') throw new TypeError(`vectorcache: ${store} options must be an object`);
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name) && !extra.includes(name)) throw optionError(`${store}.${name}`, `is not an option (known: ${[...KNOWN, ...extra].join(', ')})`);
  }
  const prefix = options.prefix ?? 'vc:';
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
    throw optionError('prefix', 'must be a non-empty string without `{` or `}` (braces are reserved for Cluster hash tags)');
  }
  const timeoutMs = options.commandTimeoutMs ?? defaultTimeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw optionError('commandTimeoutMs', `must be a positive integer number of milliseconds (got ${JSON.stringify(timeoutMs)})`);
  }
  const logger = options.logger ?? consoleLogger;
  if (options.client !== undefined) {
    if (options.url !== undefined) throw optionError('url', 'cannot be combined with `client`: configure the client you pass instead');
    if (typeof (options.client as { defineCommand?: unknown }).defineCommand !== 'function') throw optionError('client', 'must be an ioredis `Redis` or `Cluster` instance');
    return { client: options.client, owned: false, prefix, timeoutMs, logger };
  }
  const url = options.url ?? 'redis://127.0.0.1:6379';
  // The message never repeats the URL: it may carry an ACL password.
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw optionError('url', 'must start with redis:// or rediss:// (TLS)');
  if (options.tls !== undefined && (typeof options.tls !== 'object' || options.tls === null)) throw optionError('tls', 'must be node:tls connection options such as { ca }');
  if (options.tls !== undefined && !url.startsWith('rediss://')) throw optionError('tls', 'needs a rediss:// URL (TLS options on a plain-text connection would be ignored)');
  const client = new Redis(url, {
    ...(options.tls ? { tls: options.tls } : {}),
    // Fail fast instead of queueing while disconnected: a request must never wait for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: Math.max(timeoutMs, clientTimeoutMs),
    lazyConnect: false,
    // Reconnect forever with capped backoff, so the guard recovers by itself when Redis returns.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  watch(client, store, logger);
  return { client, owned: true, prefix, timeoutMs, logger };
}

/** Logs an outage once and its end once, and keeps 'error' events from crashing the process. */
export function watch(client: Redis | Cluster, store: string, logger: Logger): void {
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ store, err: describe(err) }, 'vectorcache: Redis unavailable, reconnecting');
  });
  client.on('ready', () => {
    if (down) logger.info({ store }, 'vectorcache: Redis connection restored');
    down = false;
  });
}

/** A short, secret-free description of a client error. */
export function describe(err: unknown): string {
  if (err instanceof Error) return (err as Error & { code?: string }).code ?? err.message;
  return String(err);
}

/**
 * Runs one Redis call with a hard deadline, independent of the client's own settings (a
 * bring-your-own client may queue forever). Every failure becomes StoreUnavailableError.
 */
export async function bounded<T>(what: string, ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`${what}: Redis did not answer within ${ms} ms`)), ms);
    });
    return await Promise.race([run(), deadline]);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(`${what}: Redis unavailable (${describe(err)})`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

export type Script = (keys: string[], args: Array<string | number>) => Promise<unknown>;

/** Registers a Lua script once per client (EVALSHA, falling back to EVAL after a Redis restart). */
export function script(client: Redis | Cluster, name: string, numberOfKeys: number, lua: string): Script {
  const commands = client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>;
  if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys, lua });
  return (keys, args) => commands[name]!(...keys, ...args);
}

/** Closes a client the store owns: politely when it answers, at once when it does not. */
export async function close(client: Redis | Cluster): Promise<void> {
  try {
    await bounded('shutdown', 500, () => client.quit());
  } catch {
    client.disconnect();
  }
}

/** Escapes Redis glob characters so a prefix matches literally in SCAN MATCH. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Resolves once the client can take commands, or after `ms` without throwing: with the offline
 * queue off, commands sent before the first connect fail, so `init()` waits for it.
 */
export function ready(client: Redis | Cluster, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.on('ready', done);
  });
}
