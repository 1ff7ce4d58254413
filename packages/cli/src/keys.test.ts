// In-process tests of `vectorcache keys …` through run(): JSON output, human output, errors and exit codes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey, parseApiKey, type KeyRecord } from '@vectorcache/core';
import type { CliIo } from './context.js';
import { run } from './main.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(env: Record<string, string | undefined> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-cli-'));
  dirs.push(dir);
  const file = path.join(dir, 'keys.json');
  let clock = new Date('2030-01-01T00:00:00Z');
  const io = {
    out: '',
    err: '',
    setNow(date: Date) {
      clock = date;
    },
  };
  const cliIo: CliIo = {
    stdout: { write: (text: string) => (io.out += text) },
    stderr: { write: (text: string) => (io.err += text) },
    env,
    cwd: dir,
    now: () => clock,
  };
  /** Runs one command; returns exit code and that command's own output. */
  async function cli(...argv: string[]) {
    io.out = '';
    io.err = '';
    const code = await run(argv, cliIo);
    return { code, out: io.out, err: io.err };
  }
  const store = ['--store', `file:${file}`];
  return { dir, file, cli, store, io };
}

function stored(file: string): KeyRecord[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: KeyRecord[] }).keys;
}

describe('vectorcache keys (JSON)', () => {
  it('create → list → rotate → revoke', async () => {
    const { cli, store, file, io } = setup();
    const created = await cli('keys', 'create', '--env', 'prod', '--name', 'Analytics Dashboard', '--scopes', 'cache:read,analytics:read', '--tenant', 'acme', '--expires-in', '90d', '--allow-ip', '10.0.0.0/8', '--allow-ip', '192.168.0.0/16,2001:db8::/32', ...store, '--json');
    expect(created.code, created.err).toBe(0);
    expect(created.out.trim().split('\n')).toHaveLength(1);
    const c = JSON.parse(created.out);
    expect(parseApiKey(c.key)?.environment).toBe('prod');
    expect(c).toMatchObject({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{16}$/), name: 'Analytics Dashboard', environment: 'prod', tenant: 'acme',
      scopes: ['cache:read', 'analytics:read'], allowedIps: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'],
      createdAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-04-01T00:00:00.000Z', status: 'active',
    });
    expect(c).not.toHaveProperty('hash');
    expect(stored(file)[0]!.hash).toBe(hashApiKey(c.key));
    expect(fs.readFileSync(file, 'utf8')).not.toContain(c.key);

    const listed = await cli('keys', 'list', ...store, '--json');
    expect(listed.code).toBe(0);
    expect(listed.out).not.toContain(c.key);
    expect(listed.out).not.toContain(stored(file)[0]!.hash);
    const l = JSON.parse(listed.out);
    expect(l.keys).toHaveLength(1);
    expect(l.keys[0]).toMatchObject({ id: c.id, name: 'Analytics Dashboard', environment: 'prod', tenant: 'acme', hint: c.hint, status: 'active' });
    expect(l.keys[0]).not.toHaveProperty('key');

    io.setNow(new Date('2030-01-02T00:00:00Z'));
    const rotated = await cli('keys', 'rotate', c.id, '--grace', '24h', ...store, '--json');
    expect(rotated.code, rotated.err).toBe(0);
    const r = JSON.parse(rotated.out);
    expect(r).toMatchObject({ previousId: c.id, previousExpiresAt: '2030-01-03T00:00:00.000Z', tenant: 'acme', scopes: ['cache:read', 'analytics:read'], rotatedFrom: c.id });
    expect(parseApiKey(r.key)).not.toBeNull();
    expect(r.id).not.toBe(c.id);

    const afterRotate = JSON.parse((await cli('keys', 'list', ...store, '--json')).out);
    expect(Object.fromEntries(afterRotate.keys.map((k: { id: string; status: string }) => [k.id, k.status]))).toEqual({ [c.id]: 'rotated', [r.id]: 'active' });
    io.setNow(new Date('2030-01-03T00:00:00Z'));
    const afterGrace = JSON.parse((await cli('keys', 'list', ...store, '--json')).out);
    expect(afterGrace.keys.find((k: { id: string }) => k.id === c.id).status).toBe('expired');

    const revoked = await cli('keys', 'revoke', r.id, ...store, '--json');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toEqual({ id: r.id, revokedAt: '2030-01-03T00:00:00.000Z', status: 'revoked' });
    expect(revoked.out).not.toContain(r.key);
    expect(stored(file).find((k) => k.id === r.id)?.revokedAt).toBe('2030-01-03T00:00:00.000Z');
  });

  it('uses VECTORCACHE_KEY_STORE, then the default file relative to cwd', async () => {
    const fromEnv = setup();
    const envFile = path.join(fromEnv.dir, 'env-keys.json');
    const withEnv = setup({ VECTORCACHE_KEY_STORE: `file:${envFile}`, VECTORCACHE_ENV: 'staging' });
    const created = await withEnv.cli('keys', 'create', '--name', 'n', '--scopes', 'cache:*', '--json');
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out).environment).toBe('staging');
    expect(stored(envFile)).toHaveLength(1);

    const plain = setup();
    expect((await plain.cli('keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', '*', '--json')).code).toBe(0);
    expect(stored(path.join(plain.dir, '.vectorcache', 'keys.json'))).toHaveLength(1);
  });
});

describe('vectorcache keys (human output)', () => {
  it('create shows the key once with a warning; list never shows it', async () => {
    const { cli, store } = setup();
    const created = await cli('keys', 'create', '--env', 'prod', '--name', 'Analytics Dashboard', '--scopes', 'cache:read', ...store);
    expect(created.code).toBe(0);
    const key = /vc_prod_[0-9A-Za-z]{38}/.exec(created.out)?.[0];
    expect(key).toBeDefined();
    expect(created.out.split(key!).length - 1).toBe(1);
    expect(created.out).toMatch(/will not be shown again/);
    const listed = await cli('keys', 'list', ...store);
    expect(listed.out).toMatch(/ID\s+NAME\s+ENV\s+TENANT\s+SCOPES\s+HINT\s+CREATED\s+EXPIRES\s+STATUS/);
    expect(listed.out).toContain('Analytics Dashboard');
    expect(listed.out).toContain('active');
    expect(listed.out).not.toContain(key!);
    const id = /key_[0-9A-Za-z]{16}/.exec(listed.out)![0];
    const rotated = await cli('keys', 'rotate', id, '--grace', '1h', ...store);
    expect(rotated.out).toMatch(/will not be shown again/);
    expect((await cli('keys', 'revoke', id, ...store)).out).toContain(`Revoked key ${id}`);
  });

  it('help and an empty store', async () => {
    const { cli, store } = setup();
    expect(await cli('--help')).toMatchObject({ code: 0, out: expect.stringContaining('keys') });
    expect(await cli('keys', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('vectorcache keys create') });
    expect(await cli('keys', 'rotate', '--help')).toMatchObject({ code: 0 });
    expect(await cli()).toMatchObject({ code: 2, err: expect.stringContaining('Usage') });
    const manifest = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await cli(flag)).toEqual({ code: 0, out: `${manifest.version}\n`, err: '' });
    expect((await cli('keys', 'list', ...store)).out).toMatch(/No keys/);
  });
});

describe('vectorcache keys (errors)', () => {
  const cases: Array<[string, (store: string[]) => string[], number, RegExp]> = [
    ['unknown command', () => ['frobnicate'], 2, /unknown command "frobnicate"/],
    ['unknown subcommand', () => ['keys', 'delete', 'key_x'], 2, /unknown command "keys delete"/],
    ['unknown flag', (s) => ['keys', 'list', '--verbose', ...s], 2, /unknown option `--verbose`(?!;)/],
    ['misspelt flag', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--tennant', 'acme', ...s], 2, /keys create: unknown option `--tennant`; did you mean `--tenant`\?/],
    ['flag without its value', (s) => ['keys', 'create', ...s, '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--tenant'], 2, /option `--tenant` needs a value/],
    ['value on a boolean flag', (s) => ['keys', 'list', '--json=yes', ...s], 2, /option `--json` takes no value/],
    ['misspelt command', () => ['privcy', 'erase'], 2, /unknown command "privcy"; did you mean `privacy`\?/],
    ['flag of another subcommand', (s) => ['keys', 'list', '--grace', '1h', ...s], 2, /--grace/],
    ['missing --name', (s) => ['keys', 'create', '--env', 'dev', '--scopes', 'cache:read', ...s], 2, /needs --name/],
    ['missing --env', (s) => ['keys', 'create', '--name', 'n', '--scopes', 'cache:read', ...s], 2, /needs --env/],
    ['missing --scopes', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', ...s], 2, /needs --scopes/],
    ['empty --scopes', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', ',', ...s], 2, /at least one scope/],
    ['bad scope', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read,cache:wirte', ...s], 2, /option `--scopes`.*did you mean "cache:write"/],
    ['bad env', (s) => ['keys', 'create', '--env', 'Prod', '--name', 'n', '--scopes', 'cache:read', ...s], 2, /option `--env`/],
    ['bad duration', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--expires-in', '90', ...s], 2, /--expires-in must be/],
    ['zero duration', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--expires-in', '0d', ...s], 2, /--expires-in must be/],
    ['host bits', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--allow-ip', '10.0.0.1/8', ...s], 2, /option `--allow-ip` has host bits set/],
    ['bad CIDR', (s) => ['keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', '--allow-ip', '10.0.0.0/8,bogus', ...s], 2, /option `--allow-ip`/],
    ['stray argument', (s) => ['keys', 'create', 'extra', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', ...s], 2, /takes no arguments/],
    ['missing --grace', (s) => ['keys', 'rotate', 'key_x', ...s], 2, /needs --grace/],
    ['bad --grace', (s) => ['keys', 'rotate', 'key_x', '--grace', 'soon', ...s], 2, /--grace must be/],
    ['missing key id', (s) => ['keys', 'revoke', ...s], 2, /needs a key id/],
    ['two key ids', (s) => ['keys', 'revoke', 'key_a', 'key_b', ...s], 2, /one key id/],
    ['unknown key id (revoke)', (s) => ['keys', 'revoke', 'key_nope', ...s], 1, /no key with id "key_nope"/],
    ['unknown key id (rotate)', (s) => ['keys', 'rotate', 'key_nope', '--grace', '1h', ...s], 1, /no key with id "key_nope"/],
    ['bad store scheme (password not echoed)', () => ['keys', 'list', '--store', 'http://user:hunter2@example.com'], 2, /^(?!.*hunter2).*--store must be file:<path> or redis:/],
    ['empty file path', () => ['keys', 'list', '--store', 'file:'], 2, /needs a path/],
  ];

  for (const [name, argv, expectedCode, message] of cases) {
    it(`${name} → exit ${expectedCode}, one line on stderr`, async () => {
      const { cli, store } = setup();
      const result = await cli(...argv(store));
      expect(result.code).toBe(expectedCode);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/^vectorcache: [^\n]+\n$/);
      expect(result.err).toMatch(message);
      expect(result.err).not.toMatch(/\bat .*\.(ts|js):\d+/);
    });
  }

  it('a corrupt key file is a failure (exit 1) naming the file', async () => {
    const { cli, store, file } = setup();
    fs.writeFileSync(file, 'not json');
    const result = await cli('keys', 'list', ...store);
    expect(result.code).toBe(1);
    expect(result.err).toContain(file);
    expect(result.err.trim().split('\n')).toHaveLength(1);
  });

  it('rotating a revoked key fails with exit 1 and creates nothing', async () => {
    const { cli, store, file } = setup();
    const { id } = JSON.parse((await cli('keys', 'create', '--env', 'dev', '--name', 'n', '--scopes', 'cache:read', ...store, '--json')).out);
    await cli('keys', 'revoke', id, ...store);
    const result = await cli('keys', 'rotate', id, '--grace', '1h', ...store, '--json');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/revoked/);
    expect(stored(file)).toHaveLength(1);
  });
});
