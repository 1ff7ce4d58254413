// `vectorcache privacy erase | export` against entries a guard wrote to a real Redis (in-process via run()).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createGuard, type Guard } from '@vectorcache/core';
import { RedisCacheStore } from '../../packages/redis/src/index.js';
import { run } from '../../packages/cli/src/main.js';
import type { PrivacyIo } from '../../packages/cli/src/privacy.js';
import { REDIS_URL, RUN_ID, deletePrefix, dumpPrefix, probeRedis, requireOrNotice, scanKeys, uniquePrefix } from '../stores/redis-helpers.js';
import { ask, freshKeys, SECRET } from './helpers.js';

const redisAvailable = await probeRedis();
requireOrNotice(redisAvailable, `Redis on ${REDIS_URL}`);

describe.skipIf(!redisAvailable)('vectorcache privacy on Redis', () => {
  let admin: Redis;
  let guard: Guard;
  let key: string;
  let prefix: string;
  let dir: string;
  const tag = Math.random().toString(36).slice(2, 8);
  const A = `Alice Example <alice-${tag}@example.com>`;
  const B = `bob-${tag}`;
  const promptsA = [`alpha cli ${tag}`, `shared cli ${tag}`];
  const promptsB = [`beta cli ${tag}`, `shared cli ${tag}`];

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    prefix = uniquePrefix();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-privacy-cli-'));
    const keys = await freshKeys();
    key = keys.full;
    guard = createGuard({
      environment: 'dev', keys: keys.store, cache: new RedisCacheStore({ url: REDIS_URL, prefix, commandTimeoutMs: 2_000 }),
      encryption: { secret: SECRET, iterations: 1000 }, cacheTimeoutMs: 2_000, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
    });
    for (const p of promptsA) expect(await ask(guard, key, A, p)).toBe('miss');
    for (const p of promptsB) expect(await ask(guard, key, B, p)).toBe('miss');
  });
  afterAll(async () => {
    await guard.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await deletePrefix(admin, `vc-test-${RUN_ID}-`);
    expect(await scanKeys(admin, `vc-test-${RUN_ID}-`)).toEqual([]);
    await admin.quit();
  });

  async function cli(argv: string[], options: { secret?: string; stdin?: string } = {}) {
    let out = '';
    let err = '';
    const io: PrivacyIo = {
      stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) },
      env: { VECTORCACHE_ENCRYPTION_SECRET: options.secret ?? SECRET }, cwd: dir,
      ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }),
    };
    const code = await run(['privacy', ...argv, '--store', REDIS_URL, '--prefix', prefix, '--iterations', '1000'], io);
    // The raw id is never printed, whatever the command did.
    expect(out + err).not.toContain(A);
    return { code, out, err };
  }

  it('exports exactly A\'s entries, to stdout or a new private file', async () => {
    const hashA = (await guard.privacy.export({ tenant: 'acme', subject: A })).subject;
    const res = await cli(['export', '--tenant', 'acme', '--subject', A]);
    expect(res.code, res.err).toBe(0);
    const exported = JSON.parse(res.out) as { tenant: string; subject: string; entries: Array<{ prompt: { messages: Array<{ content: string }> }; response: { choices: Array<{ message: { content: string } }> } }> };
    expect(exported).toMatchObject({ tenant: 'acme', subject: hashA });
    expect(exported.entries.map((e) => e.prompt.messages[0]!.content).sort()).toEqual([...promptsA].sort());
    expect(exported.entries.map((e) => e.response.choices[0]!.message.content).sort()).toEqual(promptsA.map((p) => `answer to ${p}`).sort());
    expect(res.out).not.toContain(promptsB[0]);

    const file = await cli(['export', '--tenant', 'acme', '--subject', A, '--out', 'a.json', '--json']);
    expect(file.code, file.err).toBe(0);
    expect(JSON.parse(file.out)).toMatchObject({ tenant: 'acme', subject: hashA, exported: 2, out: path.join(dir, 'a.json') });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8'))).toMatchObject({ subject: hashA, entries: exported.entries });
    expect(fs.statSync(path.join(dir, 'a.json')).mode & 0o777).toBe(0o600);
    const again = await cli(['export', '--tenant', 'acme', '--subject', A, '--out', 'a.json']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists/);

    // Another tenant's view of the same id is empty.
    expect((JSON.parse((await cli(['export', '--tenant', 'globex', '--subject', A])).out) as { entries: unknown[] }).entries).toEqual([]);
  });

  it('refuses to act with a secret that opens nothing in the store', async () => {
    const res = await cli(['erase', '--tenant', 'acme', '--subject', A], { secret: 'a-wrong-secret-a-wrong-secret-a-wrong-0123' });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/open none of the entries/);
    expect(await ask(guard, key, A, promptsA[0]!, { 'cache-control': 'no-store' })).toBe('hit');
  });

  it('erases A (subject id from stdin): receipt with the hash, nothing of A left in Redis, B untouched, idempotent', async () => {
    const hashA = (await guard.privacy.export({ tenant: 'acme', subject: A })).subject;
    const hashB = (await guard.privacy.export({ tenant: 'acme', subject: B })).subject;
    const res = await cli(['erase', '--tenant', 'acme', '--subject', '-', '--json'], { stdin: `${A}\n` });
    expect(res.code, res.err).toBe(0);
    const receipt = JSON.parse(res.out) as Record<string, unknown>;
    expect(Object.keys(receipt).sort()).toEqual(['at', 'erased', 'subject', 'tenant']);
    expect(receipt).toMatchObject({ tenant: 'acme', subject: hashA, erased: 2 });

    const raw = await dumpPrefix(admin, prefix);
    expect(raw).not.toContain(hashA);
    expect(raw).toContain(hashB);
    for (const p of promptsA) expect(await ask(guard, key, A, p, { 'cache-control': 'no-store' })).toBe('miss');
    for (const p of promptsB) expect(await ask(guard, key, B, p)).toBe('hit');

    const human = await cli(['erase', '--tenant', 'acme', '--subject', A]);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(new RegExp(`^Erased 0 cache entries of subject ${hashA} in tenant acme\\.`));
    expect(JSON.parse(human.out.split('Receipt (keep it): ')[1]!)).toMatchObject({ erased: 0, subject: hashA });
  });
});
