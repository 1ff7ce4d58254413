// The packed tarballs, installed with npm into Express, Koa and Fastify apps outside the workspace, load as ESM and CJS, type-check (nodenext, skipLibCheck off), and mix builds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const ROOT_PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

/** What each package must export, as ESM and as CJS. */
const EXPORTS: Record<string, string[]> = {
  core: ['createGuard', 'MemoryKeyStore', 'FileKeyStore', 'MemoryCacheStore', 'Fernet', 'MultiFernet', 'deriveFernetKey', 'generateApiKey', 'parseApiKey', 'scanPii', 'createPrometheusMetrics'],
  express: ['default', 'vectorcache'],
  koa: ['default', 'vectorcache'],
  fastify: ['default', 'vectorcache'],
  redis: ['RedisCacheStore', 'RedisKeyStore', 'RedisCounterStore'],
  cli: ['run'],
};
/** One app per framework, as users build them: its packages and the third-party packages it installs (the required peers, and the framework's types). */
const APPS: Record<string, { packages: string[]; deps: string[] }> = {
  express: { packages: ['core', 'express', 'redis', 'cli'], deps: ['express', '@types/express', 'ioredis'] },
  koa: { packages: ['core', 'koa'], deps: ['koa', '@types/koa'] },
  fastify: { packages: ['core', 'fastify'], deps: ['fastify'] },
};
const SHIPPED = /^package\/(package\.json|README\.md|LICENSE|dist\/index\.(js|cjs|d\.ts|d\.cts)(\.map)?|dist\/chunk-[\w-]+\.js(\.map)?)$/;

let work: string;
const tarball = (name: string): string => join(work, 'tarballs', `vectorcache-${name}-0.1.0.tgz`);
const version = (dep: string): string => {
  const v = ROOT_PKG.devDependencies[dep];
  if (!v) throw new Error(`${dep} is not a root devDependency: the consumer apps install the workspace's versions`);
  return v;
};
// pnpm's npm_config_* variables are not meant for npm; the consumer is a plain npm project.
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^pnpm_/i.test(k) && k !== 'NODE_OPTIONS'));
const sh = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), stdio: 'pipe' });
const node = (app: string, args: string[]): string => sh(process.execPath, args, join(work, app));

function packedManifest(name: string): Record<string, unknown> {
  return JSON.parse(sh('tar', ['-xOzf', tarball(name), 'package/package.json'], work)) as Record<string, unknown>;
}
function keysDeep(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]);
}

function installApp(app: string, spec: { packages: string[]; deps: string[] }): void {
  const dir = join(work, app);
  cpSync(join(FIXTURES, app), dir, { recursive: true });
  const ours = Object.fromEntries(spec.packages.map((p) => [`@vectorcache/${p}`, `file:${tarball(p)}`]));
  const theirs = Object.fromEntries([...spec.deps, '@types/node'].map((d) => [d, version(d)]));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: `consumer-${app}`, private: true, dependencies: { ...ours, ...theirs },
    // Our packages' own dependencies on each other resolve to the tarballs, never to the registry.
    overrides: Object.fromEntries(Object.keys(ours).map((k) => [k, `$${k}`])),
  }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
    files: ['consumer.mts', 'consumer.cts'],
  }));
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vectorcache-consumers-'));
  // `pnpm pack` runs each package's prepack (a build): no prior `pnpm build` is needed.
  execFileSync('pnpm', ['-r', '--filter', './packages/**', 'pack', '--pack-destination', join(work, 'tarballs')], { cwd: ROOT, stdio: 'pipe' });
  for (const [app, spec] of Object.entries(APPS)) installApp(app, spec);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed tarballs', () => {
  it('every package is packed', () => {
    expect(readdirSync(join(work, 'tarballs')).sort()).toEqual(Object.keys(EXPORTS).map((p) => `vectorcache-${p}-0.1.0.tgz`).sort());
  });

  for (const name of Object.keys(EXPORTS)) {
    it(`${name} ships README, LICENSE and dist only (no sources, benches, corpora or second CJS bundle)`, () => {
      const files = sh('tar', ['-tzf', tarball(name)], work).trim().split('\n');
      const extra = name === 'cli' ? ['package/bin/vectorcache.js'] : [];
      expect(files.filter((f) => !SHIPPED.test(f) && !extra.includes(f))).toEqual([]);
      for (const f of ['package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts', 'package/dist/index.d.cts', ...extra]) {
        expect(files).toContain(f);
      }
      expect(files.filter((f) => f.endsWith('.cjs'))).toHaveLength(1);
      expect(sh('tar', ['-xOzf', tarball(name), 'package/LICENSE'], work)).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    });

    it(`${name}'s published package.json: no source condition, no workspace: ranges, caret dependency ranges`, () => {
      const manifest = packedManifest(name);
      expect(keysDeep(manifest.exports)).not.toContain('source');
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      for (const [dep, range] of Object.entries((manifest.dependencies ?? {}) as Record<string, string>)) expect(range, dep).toMatch(/^\^\d/);
      for (const [dep, range] of Object.entries((manifest.peerDependencies ?? {}) as Record<string, string>)) expect(range, dep).toMatch(/<|^\^/);
      expect(manifest).toMatchObject({ license: 'Apache-2.0', repository: { directory: `packages/${name}` } });
      expect((manifest.scripts ?? {}) as object).not.toHaveProperty('prepack');
    });
  }
});

describe.each(Object.entries(APPS))('%s app outside the workspace', (app, spec) => {
  for (const name of spec.packages) {
    it(`@vectorcache/${name} as ESM and CJS`, () => {
      const esm = JSON.parse(node(app, ['--input-type=module', '-e', `import * as m from '@vectorcache/${name}'; console.log(JSON.stringify(Object.keys(m)))`])) as string[];
      const cjs = JSON.parse(node(app, ['-e', `console.log(JSON.stringify(Object.keys(require('@vectorcache/${name}'))))`])) as string[];
      for (const e of EXPORTS[name]!) {
        expect(esm).toContain(e);
        expect(cjs).toContain(e);
      }
    });
  }

  it('node --conditions=source still loads the published files', () => {
    const out = node(app, ['--conditions=source', '--input-type=module', '-e', `import { createGuard } from '@vectorcache/core'; console.log(typeof createGuard)`]);
    expect(out.trim()).toBe('function');
  });

  it('TypeScript (strict, nodenext, skipLibCheck: false) type-checks ESM and CJS code without the optional peers', () => {
    expect(existsSync(join(work, app, 'node_modules/prom-client'))).toBe(false);
    const tsc = resolve(ROOT, 'node_modules/typescript/bin/tsc');
    let output = '';
    try {
      sh(process.execPath, [tsc, '-p', 'tsconfig.json'], join(work, app));
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 60_000);
});

describe('the installed CLI', () => {
  it('`vectorcache --version` (the bin, and run() from CJS) prints the package version', () => {
    const out = sh(join(work, 'express', 'node_modules/.bin/vectorcache'), ['--version'], join(work, 'express'));
    expect(out.trim()).toBe(packedManifest('cli').version);
    // The CommonJS build finds its package.json too (tsup's import.meta.url shim).
    const cjs = node('express', ['-e', `require('@vectorcache/cli').run(['--version']).then((code) => { process.exitCode = code; })`]);
    expect(cjs.trim()).toBe(packedManifest('cli').version);
  });

  it('express default export is the middleware factory in CJS too', () => {
    const out = node('express', ['-e', `const m = require('@vectorcache/express'); console.log(typeof m.default, m.default === m.vectorcache)`]);
    expect(out.trim()).toBe('function true');
  });
});

/** An ESM script in the Express app: a guard from one build behind the adapter of the other, serving three requests. */
const serve = (makeGuard: string, adapter: string): string => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url + '/../package.json');
${makeGuard}
${adapter}
const keys = new core.MemoryKeyStore();
const { key } = await core.createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
const guard = core.createGuard({ environment: 'dev', keys, silenceWarnings: ['VC_NO_ENCRYPTION'] });
const app = require('express')();
app.use(adapterModule.vectorcache(guard));
app.post('/v1/chat/completions', (req, res) => res.json({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'hi' } }] }));
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = 'http://127.0.0.1:' + server.address().port + '/v1/chat/completions';
const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });
const send = () => fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' }, body });
const first = await send();
const second = await send();
const denied = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
console.log(JSON.stringify([first.status, first.headers.get('x-vectorcache-status'), second.headers.get('x-vectorcache-status'), denied.status]));
server.close();
await guard.close();
`;

describe('dual package: guards cross the CJS/ESM boundary (installed tarballs)', () => {
  const esm = (script: string): unknown => JSON.parse(node('express', ['--input-type=module', '-e', script]));

  it('a guard made with the CJS build works with the ESM Express adapter', () => {
    expect(esm(serve("const core = require('@vectorcache/core');", "const adapterModule = await import('@vectorcache/express');"))).toEqual([200, 'miss', 'hit', 401]);
  });

  it('a guard made with the ESM build works with the CJS Express adapter', () => {
    expect(esm(serve("const core = await import('@vectorcache/core');", "const adapterModule = require('@vectorcache/express');"))).toEqual([200, 'miss', 'hit', 401]);
  });

  it('the two builds are really two module copies (so the tests above prove the brand, not instanceof)', () => {
    const out = esm(`
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url + '/../package.json');
const esm = await import('@vectorcache/core');
const cjs = require('@vectorcache/core');
const keys = new esm.MemoryKeyStore();
const guard = cjs.createGuard({ environment: 'dev', keys, cache: false });
console.log(JSON.stringify([esm.createGuard === cjs.createGuard, esm.isGuard(guard), esm.isGuard({}), esm.isGuard(null)]));
await guard.close();`);
    expect(out).toEqual([false, true, false, false]);
  });
});
