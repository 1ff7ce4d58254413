// Redis stores over TLS with an ACL user, and on a real three-node Redis Cluster started for the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import selfsigned from 'selfsigned';
import { RedisCacheStore, RedisCounterStore, RedisKeyStore } from '../../packages/redis/src/index.js';
import { cacheStoreSuite, counterStoreSuite, keyStoreSuite } from './suite.js';
import { dumpPrefix, hasRedisServerBinary, killRedisServer, probeRedis, requireOrNotice, scanKeys, sparePort, uniquePrefix } from './redis-helpers.js';

const quiet = { info() {}, warn() {}, error() {} };
const available = hasRedisServerBinary();
requireOrNotice(available, 'the redis-server binary (for the TLS and Cluster tests)');

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

describe.skipIf(!available)('Redis over TLS with an ACL user', () => {
  let server: ChildProcess;
  let dir: string;
  let url: string;
  let ca: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-redis-tls-'));
    const pems = selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      days: 1, keySize: 2048, algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    ca = pems.cert;
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
    const port = await sparePort();
    // Only TLS, and the default user switched off: the store must log in as its ACL user.
    server = spawn('redis-server', [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'),
      '--tls-auth-clients', 'no', '--user', 'default', 'off', '--user', 'vcstore', 'on', '>s3cret-acl-password', '~*', '&*', '+@all',
    ], { stdio: 'ignore' });
    url = `rediss://vcstore:s3cret-acl-password@localhost:${port}`;
    await until('the TLS Redis to answer', 10_000, async () => {
      const probe = new Redis(url, { tls: { ca }, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    });
  });
  afterAll(async () => {
    if (server) await killRedisServer(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('cache, key and counter stores work over rediss:// with the ACL user and a private CA', async () => {
    const prefix = uniquePrefix();
    const cache = new RedisCacheStore({ url, tls: { ca }, prefix, commandTimeoutMs: 2_000, logger: quiet });
    const keys = new RedisKeyStore({ url, tls: { ca }, prefix, logger: quiet });
    const counters = new RedisCounterStore({ url, tls: { ca }, prefix, logger: quiet });
    try {
      await Promise.all([cache.init(), keys.init(), counters.init()]);
      const entry = { v: 1 as const, tenant: 'acme', model: 'm', createdAt: Date.now(), expiresAt: Date.now() + 60_000, enc: [], request: '{}', response: '{"a":1}', status: 200, headers: {}, size: 7 };
      await cache.set('acme:' + 'a'.repeat(64), entry, 60_000);
      expect((await cache.get('acme:' + 'a'.repeat(64)))?.response).toBe('{"a":1}');
      expect((await counters.increment('tls', 60_000)).count).toBe(1);
      expect(await keys.list()).toEqual([]);
    } finally {
      await Promise.all([cache.shutdown(), keys.shutdown(), counters.shutdown()]);
    }
  });

  it('the wrong password or an untrusted certificate never connects (stores fail, nothing hangs)', async () => {
    const wrong = new RedisCacheStore({ url: url.replace('s3cret', 'wrong'), tls: { ca }, prefix: uniquePrefix(), commandTimeoutMs: 300, logger: quiet });
    const untrusted = new RedisCacheStore({ url, prefix: uniquePrefix(), commandTimeoutMs: 300, logger: quiet });
    try {
      await Promise.all([wrong.init(), untrusted.init()]);
      await expect(wrong.get('acme:x')).rejects.toThrow(/did not answer|unavailable|Redis/i);
      await expect(untrusted.get('acme:x')).rejects.toThrow(/did not answer|unavailable|Redis/i);
    } finally {
      await Promise.all([wrong.shutdown(), untrusted.shutdown()]);
    }
  });

  it('refuses TLS options on a plain-text URL', () => {
    expect(() => new RedisCacheStore({ url: 'redis://127.0.0.1:6379', tls: { ca }, logger: quiet })).toThrow(/tls.*rediss/);
  });
});

describe.skipIf(!available)('Redis Cluster (three masters)', () => {
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];
  let dir: string;
  let admin: Cluster;
  const masters = () => admin.nodes('master') as Redis[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vc-redis-cluster-'));
    for (let i = 0; i < 3; i++) {
      const port = await sparePort();
      ports.push(port);
      nodes.push(spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000',
      ], { stdio: 'ignore' }));
    }
    for (const port of ports) await until(`node ${port}`, 10_000, () => probeRedis(port, 200));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    admin = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    await until('the cluster to be ok', 20_000, async () => /cluster_state:ok/.test(String(await admin.cluster('INFO'))));
  }, 60_000);

  afterAll(async () => {
    admin?.disconnect();
    await Promise.all(nodes.map((node) => killRedisServer(node)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const clusterClient = () => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { enableOfflineQueue: true });
  const rawKeys = async (prefix: string) => (await Promise.all(masters().map((m) => scanKeys(m, prefix)))).flat().sort();
  const rawDump = async (prefix: string) => (await Promise.all(masters().map((m) => dumpPrefix(m, prefix)))).join('\n');

  cacheStoreSuite('RedisCacheStore on a Cluster', async () => {
    const prefix = uniquePrefix();
    const client = clusterClient();
    const store = new RedisCacheStore({ client, prefix, commandTimeoutMs: 2_000, logger: quiet });
    await store.init();
    return {
      store,
      rawKeys: () => rawKeys(prefix),
      rawDump: () => rawDump(prefix),
      cleanup: async () => {
        await store.shutdown();
        client.disconnect();
      },
    };
  });

  counterStoreSuite('RedisCounterStore on a Cluster', async () => {
    const client = clusterClient();
    const store = new RedisCounterStore({ client, prefix: uniquePrefix(), logger: quiet });
    await store.init();
    return { store, cleanup: async () => { await store.shutdown(); client.disconnect(); } };
  });

  keyStoreSuite('RedisKeyStore on a Cluster', async () => {
    const client = clusterClient();
    const store = new RedisKeyStore({ client, prefix: uniquePrefix(), logger: quiet });
    await store.init();
    return { store, cleanup: async () => { await store.shutdown(); client.disconnect(); } };
  });

  it('spreads tenants over the masters while each tenant stays in one slot', async () => {
    const prefix = uniquePrefix();
    const client = clusterClient();
    const store = new RedisCacheStore({ client, prefix, commandTimeoutMs: 2_000, logger: quiet });
    try {
      await store.init();
      const now = Date.now();
      for (let t = 0; t < 12; t++) {
        for (let i = 0; i < 3; i++) {
          const tenant = `tenant${t}`;
          await store.set(`${tenant}:${String(i).repeat(64)}`, { v: 1, tenant, model: 'm', subject: 's', createdAt: now, expiresAt: now + 60_000, enc: [], request: '{}', response: '{}', status: 200, headers: {}, size: 2 }, 60_000);
        }
      }
      const perMaster = await Promise.all(masters().map((m) => scanKeys(m, prefix)));
      expect(perMaster.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
      for (const keys of perMaster) {
        const tenants = new Set(keys.map((k) => /\{t:([^}]+)\}/.exec(k)?.[1]));
        for (const tenant of tenants) expect(perMaster.filter((other) => other.some((k) => k.includes(`{t:${tenant}}`))).length).toBe(1);
      }
      expect(await store.deleteSubject('tenant3', 's')).toBe(3);
      expect(await store.deleteTenant('tenant5')).toBe(3);
      expect((await rawKeys(prefix)).some((k) => k.includes('{t:tenant3}:e:') || k.includes('{t:tenant5}'))).toBe(false);
    } finally {
      await store.shutdown();
      client.disconnect();
    }
  });
});
