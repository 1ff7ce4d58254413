// doctor's key store checks: keys of the wrong environment, keys due for rotation; read from the env's store or the app's.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { keyStatus, type Finding, type KeyRecord, type KeyStore } from '@vectorcache/core';
import type { CliIo } from '../context.js';
import { DEFAULT_KEY_STORE, openKeyStore } from '../store-url.js';

/** Days after which a key should be rotated (the guard's `keyRotation` default). */
export const ROTATION_DAYS = 90;
const DAY = 86_400_000;

function unreadable(error: unknown, source: string, fix: string): Finding[] {
  const reason = (error as Error).message.split('\n')[0]!.replace(/rediss?:\/\/\S+/g, 'redis://…');
  return [{ id: 'key-store', status: 'warn', source, message: `Cannot read the key store (${reason}).`, fix }];
}

function recordChecks(records: KeyRecord[], environment: string, now: number, source: string): Finding[] {
  const active = records.filter((r) => keyStatus(r, now) === 'active' || keyStatus(r, now) === 'rotated');
  const foreign = active.filter((r) => r.environment !== environment);
  const results: Finding[] = [];
  if (foreign.length === 0) {
    results.push({ id: 'key-environments', status: 'pass', source, message: `${active.length} usable key${active.length === 1 ? '' : 's'}, all for ${environment}.` });
  } else {
    const list = foreign.slice(0, 5).map((r) => `${r.id} (${r.hint})`).join(', ');
    results.push({
      id: 'key-environments', status: environment === 'prod' ? 'fail' : 'warn', source,
      message: `${foreign.length} key${foreign.length === 1 ? '' : 's'} of another environment in the ${environment} store: ${list}${foreign.length > 5 ? ', …' : ''}.`,
      fix: 'Keep one key store per environment; revoke keys that do not belong here: vectorcache keys revoke <keyId>.',
    });
  }
  const old = active.filter((r) => !r.rotatedTo && now - Date.parse(r.createdAt) > ROTATION_DAYS * DAY);
  if (old.length === 0) {
    results.push({ id: 'key-rotation', status: 'pass', source, message: `No usable key is older than ${ROTATION_DAYS} days.` });
  } else {
    const list = old.slice(0, 5).map((r) => `${r.id} (${r.hint}, ${Math.floor((now - Date.parse(r.createdAt)) / DAY)} days)`).join(', ');
    results.push({
      id: 'key-rotation', status: 'warn', source,
      message: `${old.length} key${old.length === 1 ? ' is' : 's are'} older than ${ROTATION_DAYS} days: ${list}${old.length > 5 ? ', …' : ''}.`,
      fix: 'Rotate each with a grace period for the clients to switch: vectorcache keys rotate <keyId> --grace 24h.',
    });
  }
  return results;
}

/** Reads the store VECTORCACHE_KEY_STORE names (default: the key file in `dir`). */
export async function envKeyStoreChecks(io: CliIo, dir: string, environment: string): Promise<Finding[]> {
  const env = io.env;
  const url = env.VECTORCACHE_KEY_STORE || DEFAULT_KEY_STORE;
  if (url.startsWith('file:') && !url.startsWith('file://')) {
    const path = nodePath.resolve(dir, url.slice('file:'.length));
    if (!fs.existsSync(path)) {
      return [{ id: 'key-store', status: 'warn', source: 'env', message: `No key store at ${nodePath.relative(dir, path) || path}.`, fix: 'Set VECTORCACHE_KEY_STORE to the store the server uses (file:<path> or rediss://…), or create keys: vectorcache keys create …' }];
    }
  }
  let records: KeyRecord[];
  try {
    const opened = await openKeyStore(url, { env, cwd: dir, group: 'doctor' });
    try {
      await opened.store.init?.();
      records = await opened.store.list();
    } finally {
      await opened.close();
    }
  } catch (error) {
    return unreadable(error, 'env', 'Check VECTORCACHE_KEY_STORE and that the store is reachable from here.');
  }
  return recordChecks(records, environment, (io.now?.() ?? new Date()).getTime(), 'env');
}

/** Reads the app's own key store object (from --config); the caller shuts it down. */
export async function appKeyStoreChecks(io: CliIo, keys: KeyStore, environment: string, source: string): Promise<Finding[]> {
  let records: KeyRecord[];
  try {
    await keys.init?.();
    records = await keys.list();
  } catch (error) {
    return unreadable(error, source, 'Check that the key store the app configures is reachable from here.');
  }
  return recordChecks(records, environment, (io.now?.() ?? new Date()).getTime(), source);
}
