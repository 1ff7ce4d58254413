// `vectorcache doctor --config`: findings from the app's own guard options (ESM, CJS, TypeScript), a guard, and bad modules.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../context.js';
import { run } from '../main.js';
import { findTsx, pickExport } from './config.js';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const SECRET = randomBytes(32).toString('hex');
const dirs: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An app folder outside the workspace that can import the workspace's packages (node_modules linked in). */
function app(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-doctor-config-'));
  dirs.push(dir);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function doctor(dir: string, env: Record<string, string>, ...args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env, cwd: dir };
  const code = await run(['doctor', '--dir', '.', ...args], io);
  return { code, out, err, line: (id: string) => out.split('\n').find((l) => new RegExp(`^(PASS|WARN|FAIL)  ${id} `).test(l)) ?? '' };
}

// What issue 16 reported: the app's code says prod and trusts every proxy; the environment says nothing.
const PROD_APP = `import { MemoryKeyStore, MemoryCacheStore } from '@vectorcache/core';
export default {
  environment: 'prod',
  trustProxy: true,
  keys: new MemoryKeyStore(),
  cache: new MemoryCacheStore(),
  encryption: { secret: process.env.APP_SECRET },
  ipAllowlist: ['10.0.0.0/8'],
  retention: '7d',
};
`;

describe('vectorcache doctor --config', () => {
  it('an ESM module setting environment prod and trustProxy: findings from the config, with their source', async () => {
    const dir = app({ 'guard.mjs': PROD_APP });
    // The module reads process.env itself, as the app would.
    vi.stubEnv('APP_SECRET', SECRET);
    const { code, line, out } = await doctor(dir, {}, '--config', 'guard.mjs');
    expect(code, out).toBe(1);
    expect(line('environment')).toMatch(/^PASS  environment +config guard\.mjs +Environment prod\.$/);
    expect(line('trust-proxy')).toMatch(/^FAIL  trust-proxy +config guard\.mjs +`trustProxy` is true: it trusts every hop/);
    expect(line('https-only')).toMatch(/^PASS  https-only +config guard\.mjs +HTTPS-only is on\.$/);
    expect(line('encryption-secret')).toMatch(/^PASS  encryption-secret +config guard\.mjs +Encryption secret set \(64 characters\)\.$/);
    expect(line('ip-allowlist')).toMatch(/^PASS  ip-allowlist +config guard\.mjs +IP allowlist of 1 entry\.$/);
    expect(line('retention')).toMatch(/^PASS  retention +config guard\.mjs +Retention 7d\.$/);
    expect(line('key-store-kind')).toMatch(/^WARN  key-store-kind +config guard\.mjs +Keys live in a MemoryKeyStore/);
    expect(line('cache-store-kind')).toMatch(/^PASS  cache-store-kind +config guard\.mjs +Cache store: MemoryCacheStore\.$/);
    // The app's own key store was read, not VECTORCACHE_KEY_STORE's default file.
    expect(line('key-environments')).toMatch(/^PASS  key-environments +config guard\.mjs +0 usable keys, all for prod\.$/);
    expect(out).not.toMatch(/^WARN  key-store /m);
    // Settings outside the guard options still come from the environment and the folder.
    expect(line('served-tls')).toMatch(/^PASS  served-tls +env /);
    expect(line('keys-in-source')).toMatch(/^PASS  keys-in-source +project folder /);
    expect(out).toContain('(environment prod)');
    expect(out).not.toContain(SECRET);
  });

  it('without --config the same environment reads as dev with no proxy trusted (the gap issue 16 found)', async () => {
    const dir = app({ 'guard.mjs': PROD_APP });
    const { line, out } = await doctor(dir, {});
    expect(line('environment')).toMatch(/^PASS  environment +default +Environment dev\.$/);
    expect(line('trust-proxy')).toMatch(/^PASS  trust-proxy +env +No proxy is trusted\.$/);
    expect(out).toContain('(environment dev)');
  });

  it('CommonJS `module.exports = { options }`, with the environment falling back to VECTORCACHE_ENV', async () => {
    // Its own KeyStore class: requiring the workspace's core from CommonJS would need a build (dist/).
    const dir = app({
      'guard.cjs': `class AppKeyStore { findByHash() {} findById() {} list() { return []; } insert() {} update() {} }
module.exports = { options: { keys: new AppKeyStore(), trustProxy: 1, httpsOnly: false } };\n`,
    });
    const { code, line, out, err } = await doctor(dir, { VECTORCACHE_ENV: 'prod', VECTORCACHE_RETENTION: '30d' }, '--config', 'guard.cjs', '--json');
    expect(code, err).toBe(1);
    expect(err).toBe('');
    const report = JSON.parse(out) as { environment: string; config: string; checks: Array<{ id: string; status: string; source: string }> };
    expect(report).toMatchObject({ environment: 'prod', config: 'guard.cjs' });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId.environment).toMatchObject({ status: 'pass', source: 'env' });
    expect(byId['https-only']).toMatchObject({ status: 'fail', source: 'config guard.cjs' });
    expect(byId['trust-proxy']).toMatchObject({ status: 'pass', source: 'config guard.cjs' });
    expect(byId['key-store-kind']).toMatchObject({ status: 'pass', source: 'config guard.cjs', message: 'Key store: AppKeyStore.' });
    // The config declares no retention: VECTORCACHE_RETENTION is not what the guard reads.
    expect(byId.retention).toMatchObject({ status: 'warn', source: 'config guard.cjs' });
    // Encryption missing in prod: createGuard would refuse to start.
    expect(byId['encryption-secret']).toMatchObject({ status: 'fail', source: 'config guard.cjs' });
    expect(line('environment')).toBe('');
  });

  it('a TypeScript module, through tsx as `pnpm vectorcache doctor` runs it', () => {
    const dir = app({
      'guard.ts': `import { MemoryKeyStore, type GuardOptions } from '@vectorcache/core';\nconst environment: string = 'staging';\nexport const options: GuardOptions = { environment, keys: new MemoryKeyStore(), trustProxy: true };\n`,
    });
    const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/cli/src/main.ts'), 'doctor', '--config', 'guard.ts'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^PASS  environment +config guard\.ts +Environment staging\.$/m);
    expect(result.stdout).toMatch(/^WARN  trust-proxy +config guard\.ts +`trustProxy` is true/m);
    expect(result.stdout).toMatch(/^WARN  encryption-secret +config guard\.ts +No `encryption` option: cache entries are stored in plaintext/m);
  });

  it('finds the workspace\'s tsx for a module outside it, whose tsImport loads TypeScript (the path plain Node takes)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-doctor-tsx-'));
    dirs.push(dir);
    const file = path.join(dir, 'guard.ts');
    fs.writeFileSync(file, `type Env = 'prod' | 'dev';\nconst environment: Env = 'prod';\nexport const options = { environment, trustProxy: 2 satisfies number };\n`);
    // No node_modules beside the module: found through the working directory (the workspace).
    const tsx = await findTsx(file, ROOT);
    expect(tsx).toBeDefined();
    const url = pathToFileURL(file).href;
    expect(pickExport((await tsx!.tsImport(url, url)) as Record<string, unknown>)).toEqual({ environment: 'prod', trustProxy: 2 });
    // A default export, which tsx compiles to CommonJS here (no "type": "module" beside it).
    const other = path.join(dir, 'default.ts');
    fs.writeFileSync(other, `const environment: string = 'prod';\nexport default { environment, trustProxy: true as const };\n`);
    const otherUrl = pathToFileURL(other).href;
    expect(pickExport((await tsx!.tsImport(otherUrl, otherUrl)) as Record<string, unknown>)).toEqual({ environment: 'prod', trustProxy: true });
  });

  it('picks named guard, named options, then the default export, through CommonJS wrappers too', () => {
    const options = { environment: 'prod' };
    const guard = { environment: 'prod' };
    expect(pickExport({ options, default: { other: 1 } })).toBe(options);
    expect(pickExport({ guard, options })).toBe(guard);
    expect(pickExport({ default: options })).toBe(options);
    expect(pickExport({ default: { options } })).toBe(options);
    expect(pickExport({ default: { __esModule: true, default: options } })).toBe(options);
    expect(pickExport({})).toBeUndefined();
  });

  it('a real guard reports its own options through guard.doctor()', async () => {
    const dir = app({ 'app.mjs': `import { createGuard, MemoryKeyStore } from '@vectorcache/core';\nexport const guard = createGuard({ environment: 'staging', keys: new MemoryKeyStore(), trustProxy: true, silenceWarnings: ['VC_NO_ENCRYPTION', 'VC_PERMISSIVE_TRUST_PROXY'] });\n` });
    const { out, line } = await doctor(dir, { VECTORCACHE_TRUST_PROXY: 'loopback' }, '--config', 'app.mjs');
    expect(line('config')).toBe('');
    expect(line('environment')).toMatch(/^PASS  environment +config app\.mjs +Environment staging\.$/);
    expect(line('trust-proxy')).toMatch(/^(WARN|FAIL)  trust-proxy +config app\.mjs +/);
    expect(out).toContain('(environment staging)');
  });

  it('a guard-like object without doctor() (an older guard) says so and checks only the environment', async () => {
    const dir = app({ 'app.mjs': `export const guard = { environment: 'staging', handle() {}, complete() {}, ready() {}, async close() {} };\n` });
    const { code, line, out } = await doctor(dir, { VECTORCACHE_TRUST_PROXY: 'loopback' }, '--config', 'app.mjs');
    expect(code, out).toBe(0);
    expect(line('config')).toMatch(/^WARN  config +config app\.mjs +app\.mjs exports a guard, not its options, and this guard has no doctor\(\): only the environment's settings were checked/);
    expect(line('environment')).toMatch(/^PASS  environment +config app\.mjs +Environment staging\.$/);
    expect(line('trust-proxy')).toMatch(/^PASS  trust-proxy +env +Trusted proxies are listed explicitly\.$/);
    expect(out).toContain('(environment staging)');
  });

  it('a guard with doctor() reports its findings', async () => {
    const dir = app({
      'app.mjs': `export default { environment: 'prod', handle() {}, complete() {}, ready() {}, async close() {},
  doctor() { return [
    { id: 'trust-proxy', status: 'fail', message: 'from the guard', fix: 'list proxies', source: 'guard' },
    { id: 'retention', status: 'pass', message: 'Retention 30d.', source: 'env' },
  ]; } };\n`,
    });
    const { code, line } = await doctor(dir, {}, '--config', 'app.mjs');
    expect(code).toBe(1);
    expect(line('trust-proxy')).toMatch(/^FAIL  trust-proxy +config app\.mjs +from the guard$/);
    expect(line('retention')).toMatch(/^PASS  retention +env +Retention 30d\.$/);
    expect(line('config')).toBe('');
  });

  it('a missing file is a usage error; a module that throws or exports no options fails in one line', async () => {
    const dir = app({ 'throws.mjs': `throw new Error('boom at start\\nsecond line');\n`, 'number.mjs': 'export default 42;\n' });
    const missing = await doctor(dir, {}, '--config', 'nope.mjs');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--config nope\.mjs is not a file/);
    const throws = await doctor(dir, {}, '--config', 'throws.mjs');
    expect(throws.code).toBe(1);
    expect(throws.err).toBe('vectorcache: cannot load --config throws.mjs: boom at start\n');
    const number = await doctor(dir, {}, '--config', 'number.mjs');
    expect(number.code).toBe(1);
    expect(number.err).toMatch(/^vectorcache: --config number\.mjs exports no guard options/);
  });
});
