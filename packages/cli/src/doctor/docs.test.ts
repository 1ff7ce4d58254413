// docs/doctor.md shows what `vectorcache doctor` prints: both samples are re-run here and must match to the byte.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/doctor.md'), 'utf8');
const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true }); });

/** The fenced block right after `<!-- doctor-sample: name -->`. */
function block(name: string): string {
  const match = new RegExp(`<!-- doctor-sample: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n`).exec(DOC);
  if (!match) throw new Error(`docs/doctor.md has no doctor-sample "${name}" block`);
  return match[1]!;
}

/** The sample app of the doc: its guard module, a .gitignore, and the workspace's packages linked in. */
function sampleApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-doctor-docs-'));
  dirs.push(dir);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/guard.mjs'), block('module src/guard.mjs'));
  fs.writeFileSync(path.join(dir, '.gitignore'), block('module .gitignore'));
  return dir;
}

function doctor(dir: string, env: Record<string, string>, ...args: string[]): { stdout: string; status: number | null } {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/cli/src/main.ts'), 'doctor', ...args], {
    cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000,
  });
  expect(result.stderr).toBe('');
  return { stdout: result.stdout, status: result.status };
}

describe('docs/doctor.md samples', () => {
  it('--config: the app module decides environment and trustProxy; outbound URLs come from the env', () => {
    const dir = sampleApp();
    const run = doctor(dir, { VECTORCACHE_ENCRYPTION_SECRET: randomBytes(32).toString('hex'), UPSTREAM_BASE_URL: 'http://llm.internal:8000/v1' }, '--config', 'src/guard.mjs');
    expect(run.stdout).toBe(block('output config'));
    expect(run.status).toBe(1);
  });

  it('environment only, as the example servers read it', () => {
    const dir = sampleApp();
    const run = doctor(dir, {
      VECTORCACHE_ENV: 'prod', VECTORCACHE_TRUST_PROXY: 'loopback', VECTORCACHE_CACHE: 'redis://cache.internal:6379/0',
      VECTORCACHE_TLS_MIN_VERSION: 'TLSv1.2', TLS_CERT: '/etc/tls/cert.pem', TLS_KEY: '/etc/tls/key.pem', UPSTREAM_BASE_URL: 'https://api.openai.com/v1',
    });
    expect(run.stdout).toBe(block('output env'));
    expect(run.status).toBe(1);
  });
});
