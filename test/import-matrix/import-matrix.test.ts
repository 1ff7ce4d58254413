// Each built package imports cleanly as ESM, as CJS (require) and from TypeScript with nodenext resolution.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = {
  '@vectorcache/core': ['createGuard', 'MemoryKeyStore', 'FileKeyStore', 'MemoryCacheStore', 'Fernet', 'MultiFernet', 'deriveFernetKey', 'generateApiKey', 'parseApiKey', 'scanPii'],
  '@vectorcache/express': ['default', 'vectorcache'],
  '@vectorcache/koa': ['default', 'vectorcache'],
  '@vectorcache/fastify': ['default', 'vectorcache'],
  '@vectorcache/redis': ['RedisCacheStore', 'RedisKeyStore', 'RedisCounterStore'],
  '@vectorcache/pgvector': ['PgVectorIndex'],
  '@vectorcache/cli': ['run'],
} as const;

function node(args: string[]): string {
  // No `source` condition here: this is what a user gets from the published dist files.
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('import matrix (built dist)', () => {
  it('dist exists (run `pnpm build` first; the test script does)', () => {
    for (const name of Object.keys(PACKAGES)) {
      expect(existsSync(resolve(ROOT, 'packages', name.split('/')[1]!, 'dist/index.js')), name).toBe(true);
    }
  });

  for (const [name, exports] of Object.entries(PACKAGES)) {
    it(`${name} as ESM`, () => {
      const out = node(['--input-type=module', '-e', `import * as m from '${name}'; console.log(JSON.stringify(Object.keys(m)))`]);
      const keys = JSON.parse(out) as string[];
      for (const e of exports) expect(keys).toContain(e);
    });
    it(`${name} as CJS`, () => {
      const out = node(['-e', `const m = require('${name}'); console.log(JSON.stringify(Object.keys(m)))`]);
      const keys = JSON.parse(out) as string[];
      for (const e of exports) expect(keys).toContain(e);
    });
  }

  it('the in-process vector index loads its optional HNSW (usearch) from both builds', () => {
    const check = 'const i = new m.MemoryVectorIndex({ dimensions: 4 }); i.init().then(() => console.log(i.stats().hnsw))';
    expect(node(['--input-type=module', '-e', `import * as m from '@vectorcache/core'; ${check}`]).trim()).toBe('true');
    expect(node(['-e', `const m = require('@vectorcache/core'); ${check}`]).trim()).toBe('true');
  });

  it('express default export is the middleware factory in CJS too', () => {
    const out = node(['-e', `const m = require('@vectorcache/express'); console.log(typeof m.default, m.default === m.vectorcache)`]);
    expect(out.trim()).toBe('function true');
  });

  it('TypeScript consumers with moduleResolution nodenext (ESM and CJS) type-check', () => {
    const tsc = resolve(ROOT, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', resolve(ROOT, 'test/import-matrix/fixtures/tsconfig.json')], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  }, 120_000);
});
