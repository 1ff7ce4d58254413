// A guard made by one build (CJS or ESM) works with the adapters of the other: the guard brand survives module copies.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs an ESM script against the built dist files (no `source` condition), serving one guarded request. */
function run(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000,
  });
}

const serve = (makeGuard: string, adapter: string): string => `
import { createRequire } from 'node:module';
import http from 'node:http';
const require = createRequire(import.meta.url + '/../package.json');
${makeGuard}
${adapter}
const keys = new core.MemoryKeyStore();
const { key } = await core.createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: 'acme' });
const guard = core.createGuard({ environment: 'dev', keys, silenceWarnings: ['VC_NO_ENCRYPTION'] });
const express = require('express');
const app = express();
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

describe('dual package: guards cross the CJS/ESM boundary', () => {
  it('a guard made with the CJS build works with the ESM Express adapter', () => {
    const out = run(serve("const core = require('@vectorcache/core');", "const adapterModule = await import('@vectorcache/express');"));
    expect(JSON.parse(out)).toEqual([200, 'miss', 'hit', 401]);
  });

  it('a guard made with the ESM build works with the CJS Express adapter', () => {
    const out = run(serve("const core = await import('@vectorcache/core');", "const adapterModule = require('@vectorcache/express');"));
    expect(JSON.parse(out)).toEqual([200, 'miss', 'hit', 401]);
  });

  it('the two builds are really two module copies (so the test above proves the brand, not instanceof)', () => {
    const out = run(`
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url + '/../package.json');
const esm = await import('@vectorcache/core');
const cjs = require('@vectorcache/core');
const keys = new esm.MemoryKeyStore();
const guard = cjs.createGuard({ environment: 'dev', keys, cache: false });
console.log(JSON.stringify([esm.createGuard === cjs.createGuard, esm.isGuard(guard), esm.isGuard({}), esm.isGuard(null)]));
await guard.close();`);
    expect(JSON.parse(out)).toEqual([false, true, false, false]);
  });
});
