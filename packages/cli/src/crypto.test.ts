// `vectorcache crypto`: generate-secret, derive-key (env and stdin), rotate's argument checks; secrets never echoed.
import { describe, expect, it } from 'vitest';
import { createEntryCipher, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, Fernet } from '@vectorcache/core';
import { run } from './main.js';

const SECRET = 'cli-crypto-test-secret-SECRETPART-0123456789';

async function cli(args: string[], env: Record<string, string> = {}, stdin?: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env,
    ...(stdin ? { stdin: (async function* () { yield* stdin; })() } : {}),
  };
  const code = await run(args, io);
  return { code, out, err };
}

describe('vectorcache crypto generate-secret', () => {
  it('prints 64 hex characters, different every time', async () => {
    const a = await cli(['crypto', 'generate-secret']);
    const b = await cli(['crypto', 'generate-secret']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^[0-9a-f]{64}\n$/);
    expect(b.out).not.toBe(a.out);
  });
});

describe('vectorcache crypto derive-key', () => {
  it('prints the Fernet key of VECTORCACHE_ENCRYPTION_SECRET, which opens the cache\'s tokens, and warns on stderr', async () => {
    const { code, out, err } = await cli(['crypto', 'derive-key', '--iterations', '1000'], { VECTORCACHE_ENCRYPTION_SECRET: SECRET });
    expect(code).toBe(0);
    expect(out).toBe(`${await deriveFernetKey(SECRET, DEFAULT_ENCRYPTION_SALT, { iterations: 1000 })}\n`);
    expect(err).toMatch(/decrypts every cache entry.*Treat it like the secret/);
    expect(err).not.toContain(SECRET);
    const cipher = await createEntryCipher({ secret: SECRET, iterations: 1000 });
    expect(new Fernet(out.trim()).decryptText(cipher.encrypt('{"prompt":1}'))).toBe('{"prompt":1}');
  });

  it('reads the secret from stdin (one trailing newline dropped) and honours the salt', async () => {
    const salt = 'custom-salt';
    const piped = await cli(['crypto', 'derive-key', '--stdin', '--iterations', '1000'], { VECTORCACHE_ENCRYPTION_SALT: salt }, [SECRET.slice(0, 10), `${SECRET.slice(10)}\n`]);
    expect(piped.code).toBe(0);
    expect(piped.out).toBe(`${await deriveFernetKey(SECRET, salt, { iterations: 1000 })}\n`);
    const flag = await cli(['crypto', 'derive-key', '--salt', salt, '--iterations', '1000'], { VECTORCACHE_ENCRYPTION_SECRET: SECRET });
    expect(flag.out).toBe(piped.out);
  });

  it('explains a missing secret, and never echoes one typed as an argument or option', async () => {
    const missing = await cli(['crypto', 'derive-key']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/VECTORCACHE_ENCRYPTION_SECRET.*--stdin/);
    for (const args of [['crypto', 'derive-key', SECRET], ['crypto', 'derive-key', `--secret=${SECRET}`], ['crypto', 'derive-key', '--salt'], ['crypto', SECRET], ['crypto', 'rotate', `--store=redis://u:${SECRET}@127.0.0.1:1`, '--bogus']]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.out + result.err).not.toContain('SECRETPART');
      expect(result.err).toMatch(/^vectorcache: /);
    }
  });
});

describe('vectorcache crypto rotate (argument checks; the Redis run is in test/encryption/rotation.test.ts)', () => {
  it('needs a Redis --store and the newest secret, and reports bad values without echoing them', async () => {
    const env = { VECTORCACHE_ENCRYPTION_SECRET: SECRET };
    expect((await cli(['crypto', 'rotate'], env)).err).toMatch(/needs --store/);
    expect((await cli(['crypto', 'rotate', '--store', 'file:keys.json'], env)).err).toMatch(/redis:\/\//);
    expect((await cli(['crypto', 'rotate', '--store', 'redis://127.0.0.1:6379'])).err).toMatch(/VECTORCACHE_ENCRYPTION_SECRET must be set/);
    expect((await cli(['crypto', 'rotate', '--store', 'redis://127.0.0.1:6379', '--batch', '0'], env)).err).toMatch(/--batch must be an integer/);
    const short = await cli(['crypto', 'rotate', '--store', 'redis://127.0.0.1:6379'], { VECTORCACHE_ENV: 'prod', VECTORCACHE_ENCRYPTION_SECRET: 'SECRETPART-short' });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/shorter than 32 characters/);
    expect(short.err).not.toContain('SECRETPART');
  });

  it('a Redis that does not answer is exit code 1 with a message that hides the URL password', async () => {
    const result = await cli(['crypto', 'rotate', '--store', 'redis://user:SECRETPART@127.0.0.1:1', '--iterations', '1000'], { VECTORCACHE_ENCRYPTION_SECRET: SECRET });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/rotate stopped: .*run it again/);
    expect(result.out + result.err).not.toContain('SECRETPART');
  });

  it('is listed in the top-level help', async () => {
    expect((await cli(['--help'])).out).toMatch(/crypto\s+rotate cache encryption/);
    expect((await cli(['crypto', '--help'])).out).toContain('vectorcache crypto rotate --store');
  });
});
