// Tests for FileKeyStore: file creation and modes, atomic writes under crashes, locking, reloads across processes.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../errors.js';
import type { KeyRecord } from '../types.js';
import { FileKeyStore } from './file-store.js';
import { generateApiKey } from './format.js';
import { createKey, revokeKey } from './manage.js';

const REPO = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const FILE_STORE_SOURCE = fileURLToPath(new URL('./file-store.ts', import.meta.url));
const CLI = path.join(REPO, 'packages/cli/src/main.ts');
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];

const stores: FileKeyStore[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-keys-'));
  dirs.push(dir);
  return dir;
}

function open(file: string, options?: ConstructorParameters<typeof FileKeyStore>[1]): FileKeyStore {
  const store = new FileKeyStore(file, options);
  stores.push(store);
  return store;
}

function record(id: string): KeyRecord {
  const { hash, hint } = generateApiKey('dev');
  return { id, hash, hint, name: id, environment: 'dev', tenant: 'default', scopes: [], createdAt: new Date(0).toISOString() };
}

function readKeys(file: string): KeyRecord[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; keys: KeyRecord[] };
  expect(data.version).toBe(1);
  return data.keys;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

function runNode(args: string[], cwd = REPO): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('FileKeyStore: the file', () => {
  it('creates an empty key file with mode 0600 in a 0700 directory', () => {
    const file = path.join(tempDir(), 'nested', 'keys.json');
    open(file);
    expect(readKeys(file)).toEqual([]);
    if (process.platform !== 'win32') {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
  });

  it('persists inserts and updates, and keeps file mode 0600 after a write', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = open(file);
    const { key, record: created } = await createKey(store, { environment: 'prod', name: 'a', scopes: ['cache:read'] });
    await revokeKey(store, created.id);
    const again = open(file);
    expect(again.findById(created.id)?.revokedAt).toEqual(expect.any(String));
    expect(again.list()).toHaveLength(1);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(key);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('answers lookups synchronously from memory', async () => {
    const store = open(path.join(tempDir(), 'keys.json'));
    const a = record('key_a');
    await store.insert(a);
    expect(store.findByHash(a.hash)).toEqual(a);
    expect(store.findById('key_a')).toEqual(a);
  });

  it('rejects duplicates and invalid records, and returns undefined for an unknown id without writing', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = open(file);
    const a = record('key_a');
    await store.insert(a);
    await expect(store.insert({ ...record('key_b'), hash: a.hash })).rejects.toThrow(/same hash/);
    await expect(store.insert(record('key_a'))).rejects.toThrow(/already exists/);
    await expect(store.insert({ ...record('key_c'), scopes: 'x' as unknown as string[] })).rejects.toThrow(/invalid key record/);
    const before = fs.statSync(file);
    expect(await store.update('key_missing', (r) => r)).toBeUndefined();
    expect(fs.statSync(file).ino).toBe(before.ino);
    expect(readKeys(file).map((r) => r.id)).toEqual(['key_a']);
  });

  it('refuses a corrupt or unreadable file at start with an error naming the path (and not its content)', () => {
    const dir = tempDir();
    const cases: Array<[string, string]> = [
      ['bad-json.json', '{"version":1,"keys":[{"id":"secretish'],
      ['bad-version.json', '{"version":2,"keys":[]}'],
      ['no-keys.json', '{"version":1}'],
      ['bad-record.json', '{"version":1,"keys":[{"id":"key_a","hash":"zz"}]}'],
      ['array.json', '[]'],
    ];
    for (const [name, content] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      expect(() => new FileKeyStore(file), name).toThrow(StoreUnavailableError);
      expect(() => new FileKeyStore(file), name).toThrow(file);
      expect(() => new FileKeyStore(file), name).not.toThrow(/secretish/);
    }
    const duplicate = path.join(dir, 'dup.json');
    const a = record('key_a');
    fs.writeFileSync(duplicate, JSON.stringify({ version: 1, keys: [a, a] }));
    expect(() => new FileKeyStore(duplicate)).toThrow(/duplicate/);
    const directory = path.join(dir, 'is-a-dir.json');
    fs.mkdirSync(directory);
    expect(() => new FileKeyStore(directory)).toThrow(directory);
  });

  it('validates its options', () => {
    const file = path.join(tempDir(), 'keys.json');
    expect(() => new FileKeyStore(file, { watchIntervalMs: 0 })).toThrow(/watchIntervalMs/);
    expect(() => new FileKeyStore('')).toThrow(/path/);
  });
});

describe('FileKeyStore: crashes and locks', () => {
  it('ignores a temp file left by a crashed writer, and removes it once stale', async () => {
    const file = path.join(tempDir(), 'keys.json');
    open(file);
    const leftover = `${file}.99999.deadbeefcafe.tmp`;
    fs.writeFileSync(leftover, '{"version":1,"keys":[{"half');
    const store = open(file, { lockStaleMs: 1_000 });
    expect(store.list()).toEqual([]);
    await store.insert(record('key_a'));
    expect(fs.existsSync(leftover)).toBe(true); // still fresh: might belong to a live writer
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(leftover, old, old);
    await store.insert(record('key_b'));
    expect(fs.existsSync(leftover)).toBe(false);
    expect(readKeys(file).map((r) => r.id)).toEqual(['key_a', 'key_b']);
  });

  it('a writer killed at random points never leaves a corrupt file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'keys.json');
    open(file);
    const child = path.join(dir, 'writer.mts');
    fs.writeFileSync(
      child,
      `import { FileKeyStore } from ${JSON.stringify(FILE_STORE_SOURCE)};
import { randomBytes, createHash } from 'node:crypto';
const store = new FileKeyStore(process.argv[2], { watch: false, lockStaleMs: 200 });
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  const hash = createHash('sha256').update(randomBytes(16)).digest('hex');
  await store.insert({ id: 'key_' + process.pid + '_' + i, hash, hint: 'vc_dev_x…y', name: 'n'.repeat(2000), environment: 'dev', tenant: 'default', scopes: ['cache:read'], createdAt: new Date().toISOString() });
}
`,
    );
    let total = 0;
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, [...NODE_ARGS, child, file], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => proc.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 100));
      proc.kill('SIGKILL');
      await new Promise((resolve) => proc.once('close', resolve));
      const keys = readKeys(file); // parses: never half-written
      expect(keys.length).toBeGreaterThanOrEqual(total);
      total = keys.length;
    }
    expect(total).toBeGreaterThan(0);
    // The lock of a killed writer is taken over once stale, so the store stays writable.
    const store = open(file, { lockStaleMs: 200, lockTimeoutMs: 5_000 });
    await store.insert(record('key_after'));
    expect(readKeys(file).some((r) => r.id === 'key_after')).toBe(true);
  }, 60_000);

  it('waits for a held lock and fails with StoreUnavailableError when it is never released', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = open(file, { lockTimeoutMs: 300, lockStaleMs: 60_000 });
    fs.writeFileSync(`${file}.lock`, 'someone else');
    await expect(store.insert(record('key_a'))).rejects.toThrow(StoreUnavailableError);
    expect(readKeys(file)).toEqual([]);
    const released = store.insert(record('key_b'));
    setTimeout(() => fs.rmSync(`${file}.lock`), 100);
    const slow = open(file, { lockTimeoutMs: 5_000 });
    await Promise.all([released.catch(() => undefined), slow.insert(record('key_c'))]);
    expect(readKeys(file).map((r) => r.id)).toContain('key_c');
  });

  it('concurrent inserts from two instances in one process lose nothing', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const a = open(file);
    const b = open(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).insert(record(`key_${i}`))));
    expect(readKeys(file)).toHaveLength(20);
  });

  it('8 parallel CLI `keys create` processes against one file keep all 8 keys', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runNode([CLI, 'keys', 'create', '--env', 'dev', '--name', `parallel ${i}`, '--scopes', 'cache:read', '--store', `file:${file}`, '--json']),
      ),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const ids = results.map((r) => (JSON.parse(r.stdout) as { id: string }).id);
    const stored = readKeys(file);
    expect(stored).toHaveLength(8);
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);
});

describe('FileKeyStore: reloads', () => {
  it('a running store sees a revoke made by another process within 1 s, and tells listeners', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = open(file, { watchIntervalMs: 250 });
    const { record: created } = await createKey(server, { environment: 'dev', name: 'svc', scopes: ['cache:read'] });
    const listener = vi.fn();
    server.onChange(listener);
    const result = await runNode([CLI, 'keys', 'revoke', created.id, '--store', `file:${file}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const waited = await waitFor(() => Boolean(server.findByHash(created.hash)?.revokedAt), 1_000);
    expect(waited).toBeLessThanOrEqual(1_000);
    expect(listener).toHaveBeenCalled();
  }, 30_000);

  it('keeps the last good state when the file turns corrupt, reports once, and recovers', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const errors: Error[] = [];
    const server = open(file, { watchIntervalMs: 20, onError: (error) => errors.push(error) });
    const a = record('key_a');
    await server.insert(a);
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(`${file}.partial`, '{"version":1,"keys":[');
    fs.renameSync(`${file}.partial`, file);
    await waitFor(() => errors.length > 0, 2_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreUnavailableError);
    expect(errors[0]!.message).toContain(file);
    expect(server.findByHash(a.hash)).toEqual(a);
    expect(server.findByHash('0'.repeat(64))).toBeUndefined();
    // A write must not overwrite the corrupt file with a guess: it fails until the file is fixed.
    await expect(server.insert(record('key_b'))).rejects.toThrow(StoreUnavailableError);
    const fixed = JSON.parse(good) as { version: 1; keys: KeyRecord[] };
    fixed.keys[0]!.revokedAt = new Date().toISOString();
    fs.writeFileSync(`${file}.partial`, JSON.stringify(fixed));
    fs.renameSync(`${file}.partial`, file);
    await waitFor(() => Boolean(server.findByHash(a.hash)?.revokedAt), 2_000);
  });

  it('keeps the last good state when the file disappears', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const errors: Error[] = [];
    const server = open(file, { watchIntervalMs: 20, onError: (error) => errors.push(error) });
    const a = record('key_a');
    await server.insert(a);
    fs.rmSync(file);
    await waitFor(() => errors.length > 0, 2_000);
    expect(server.findById('key_a')).toEqual(a);
  });

  it('reload() reports whether anything changed; close() stops watching', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = open(file, { watchIntervalMs: 20 });
    const writer = open(file, { watch: false });
    expect(await server.reload()).toBe(false);
    server.close();
    await writer.insert(record('key_a'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.findById('key_a')).toBeUndefined();
    expect(await server.reload()).toBe(true);
    expect(server.findById('key_a')).toBeDefined();
  });

  it('a process using a FileKeyStore exits on its own (watching does not hold it open)', () => {
    const dir = tempDir();
    const script = path.join(dir, 'exit.mts');
    fs.writeFileSync(script, `import { FileKeyStore } from ${JSON.stringify(FILE_STORE_SOURCE)};\nnew FileKeyStore(process.argv[2]);\n`);
    const result = spawnSync(process.execPath, [...NODE_ARGS, script, path.join(dir, 'keys.json')], { cwd: REPO, timeout: 15_000 });
    expect(result.status).toBe(0);
  });
});
