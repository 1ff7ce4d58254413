// `vectorcache doctor` on good and bad project folders and environments: lines, fixes, JSON, exit codes, no secrets printed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey, FileKeyStore } from '@vectorcache/core';
import type { CliIo } from './context.js';
import { run } from './main.js';
import { secretWeakness } from './doctor.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const NOW = new Date('2030-06-01T00:00:00Z');
const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

function project(files: Record<string, string>, git: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-doctor-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  if (git) spawnSync('git', ['init', '-q'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

async function keyStore(dir: string, keys: Array<{ environment: string; ageDays: number }>): Promise<string[]> {
  const store = new FileKeyStore(path.join(dir, '.vectorcache', 'keys.json'), { watch: false });
  const out: string[] = [];
  for (const k of keys) {
    out.push((await createKey(store, { environment: k.environment, name: 'k', scopes: ['cache:read'], now: new Date(NOW.getTime() - k.ageDays * 86_400_000) })).key);
  }
  await store.shutdown();
  return out;
}

async function doctor(dir: string, env: Record<string, string>, ...args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env, cwd: dir, now: () => NOW };
  const code = await run(['doctor', ...args], io);
  return { code, out, err };
}

const STRONG = randomBytes(32).toString('hex');
const GOOD_ENV = {
  VECTORCACHE_ENV: 'prod', VECTORCACHE_ENCRYPTION_SECRET: STRONG, VECTORCACHE_IP_ALLOWLIST: '10.0.0.0/8,203.0.113.0/24',
  VECTORCACHE_TRUST_PROXY: 'loopback', VECTORCACHE_CACHE: 'rediss://cache.internal:6380/0', VECTORCACHE_RETENTION: '30d',
};

describe('vectorcache doctor', () => {
  for (const git of hasGit ? [true, false] : [false]) {
    it(`a good prod configuration passes every check, exit 0 (${git ? 'git check-ignore' : '.gitignore parsed'})`, async () => {
      const dir = project({ 'src/app.ts': 'const key = process.env.VECTORCACHE_API_KEY;\n', '.gitignore': 'node_modules\n.env*\n!.env.example\n', '.env.example': 'VECTORCACHE_API_KEY=\n' }, git);
      const [key] = await keyStore(dir, [{ environment: 'prod', ageDays: 10 }]);
      // A key in the ignored .env is where it belongs.
      fs.writeFileSync(path.join(dir, '.env'), `VECTORCACHE_API_KEY=${key}\n`);
      const { code, out } = await doctor(dir, GOOD_ENV);
      expect(out).not.toMatch(/^(WARN|FAIL)/m);
      expect(code, out).toBe(0);
      for (const id of ['keys-in-source', 'env-file-ignored', 'environment', 'key-environments', 'key-rotation', 'https-only', 'trust-proxy', 'ip-allowlist', 'encryption-secret', 'redis-tls', 'retention', 'served-tls']) {
        expect(out).toMatch(new RegExp(`^PASS  ${id} `, 'm'));
      }
      expect(out).toContain('12 passed, 0 warnings, 0 failed (environment prod)');
      expect(out).not.toContain(key);
      expect(out).not.toContain(STRONG);
    });
  }

  it('a bad configuration fails with a fix on each line, exit 1, and never prints a key or the secret', async () => {
    const dir = project({ '.gitignore': 'node_modules\n' }, hasGit);
    const [prodKey, devKey, oldKey] = (await keyStore(dir, [{ environment: 'prod', ageDays: 1 }, { environment: 'dev', ageDays: 1 }, { environment: 'prod', ageDays: 120 }])) as [string, string, string];
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'config.ts'), `export const config = {\n  apiKey: '${prodKey}',\n};\n`);
    fs.writeFileSync(path.join(dir, '.env'), `VECTORCACHE_API_KEY=${devKey}\n`);
    // A well-formed key with a wrong checksum is not reported.
    fs.writeFileSync(path.join(dir, 'src', 'typo.ts'), `// ${prodKey.slice(0, -1)}${prodKey.endsWith('A') ? 'B' : 'A'}\n`);
    fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'index.js'), `'${prodKey}'`);
    const secret = 'a'.repeat(40);
    const env = {
      VECTORCACHE_ENV: 'prod', VECTORCACHE_HTTPS_ONLY: 'false', VECTORCACHE_TRUST_PROXY: 'true', VECTORCACHE_IP_ALLOWLIST: '10.0.0.0/8, 0.0.0.0/0',
      VECTORCACHE_ENCRYPTION_SECRET: secret, VECTORCACHE_CACHE: 'redis://:hunter2password@10.0.0.5:6379/0',
    };
    const { code, out } = await doctor(dir, env);
    expect(code, out).toBe(1);
    const line = (id: string) => out.split('\n').find((l) => new RegExp(`^(PASS|WARN|FAIL)  ${id} `).test(l)) ?? '';
    // The .env is not ignored, so it counts as a project file too.
    expect(line('keys-in-source')).toMatch(/^FAIL .*2 API keys in project files: \.env:1 \(vc_dev_\w+…\w+\), src\/config\.ts:2 \(vc_prod_\w+…\w+\)\.$/);
    expect(line('env-file-ignored')).toMatch(/^FAIL .*\.env not ignored by git/);
    expect(line('key-environments')).toMatch(/^FAIL .*1 key of another environment in the prod store: key_\w+ \(vc_dev_/);
    expect(line('key-rotation')).toMatch(/^WARN .*older than 90 days: key_\w+ \(vc_prod_.*120 days\)/);
    expect(line('https-only')).toMatch(/^FAIL /);
    expect(line('trust-proxy')).toMatch(/^FAIL /);
    expect(line('ip-allowlist')).toMatch(/^FAIL .*0\.0\.0\.0\/0/);
    expect(line('encryption-secret')).toMatch(/^FAIL .*repeats too few distinct characters/);
    expect(line('redis-tls')).toMatch(/^FAIL .*VECTORCACHE_CACHE uses redis:\/\/ without TLS/);
    expect(line('retention')).toMatch(/^WARN /);
    // Every warn or fail line is followed by its fix.
    const lines = out.split('\n');
    lines.forEach((l, i) => { if (/^(WARN|FAIL)/.test(l)) expect(lines[i + 1]).toMatch(/^\s+fix: /); });
    expect(out).toContain('2 passed, 2 warnings, 8 failed (environment prod)');
    for (const s of [prodKey, devKey, oldKey, secret, 'hunter2password']) expect(out.includes(s), s.slice(0, 8)).toBe(false);
  });

  it('--json prints one object; outside prod the same doubts are warnings and the exit code is 0', async () => {
    const dir = project({}, false);
    await keyStore(dir, [{ environment: 'prod', ageDays: 1 }]);
    const { code, out } = await doctor(dir, { VECTORCACHE_TRUST_PROXY: 'true', VECTORCACHE_ENCRYPTION_SECRET: 'changeme-changeme-changeme-changeme!' }, '--json');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(out) as { ok: boolean; environment: string; counts: Record<string, number>; checks: Array<{ id: string; status: string; fix?: string }> };
    expect(report).toMatchObject({ ok: true, environment: 'dev' });
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ 'trust-proxy': 'warn', 'encryption-secret': 'warn', 'key-environments': 'warn', 'https-only': 'pass', 'redis-tls': 'pass' });
    expect(report.checks.filter((c) => c.status !== 'pass').every((c) => typeof c.fix === 'string')).toBe(true);
    expect(out).not.toContain('changeme-changeme');
  });

  it('--dir is resolved from the working directory; a missing store is a warning; bad arguments exit 2', async () => {
    const parent = project({ 'app/src/index.ts': 'export {};\n' }, false);
    const ok = await doctor(parent, {}, '--dir', 'app');
    expect(ok.out).toMatch(/^WARN  key-store +env +No key store at \.vectorcache\/keys\.json\./m);
    expect(ok.out).toMatch(/^PASS  keys-in-source +project folder +No API key in 1 files/m);
    expect(ok.code).toBe(0);
    expect((await doctor(parent, {}, '--dir', 'nope')).code).toBe(2);
    expect((await doctor(parent, {}, '--bogus')).code).toBe(2);
    expect((await doctor(parent, {}, '--help')).out).toContain('vectorcache doctor [--dir <path>] [--config <module>] [--json]');
  });

  it('judges secrets without printing them', () => {
    expect(secretWeakness(STRONG)).toBeUndefined();
    expect(secretWeakness('short')).toMatch(/5 characters/);
    expect(secretWeakness('ab'.repeat(20))).toMatch(/distinct/);
    expect(secretWeakness('my-super-secret-value-for-the-cache-0001')).toMatch(/placeholder/);
    expect(secretWeakness('q7Z!k2Lmq7Z!k2Lmq7Z!k2Lmq7Z!k2Lmq7Z!k2Lm')).toMatch(/repeated pattern/);
  });
});
