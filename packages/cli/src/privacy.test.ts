// In-process tests of `vectorcache privacy …` argument handling (the Redis round trip is in test/privacy/cli.test.ts).
import { describe, expect, it } from 'vitest';
import type { CliIo } from './context.js';
import { run } from './main.js';

const SECRET = 'cli-privacy-secret-cli-privacy-secret-0123';
const RAW = 'alice.secret-id@example.com';

async function cli(argv: string[], env: Record<string, string | undefined> = { VECTORCACHE_ENCRYPTION_SECRET: SECRET }) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env, cwd: process.cwd() };
  const code = await run(argv, io);
  return { code, out, err };
}

describe('vectorcache privacy (arguments)', () => {
  it('lists itself in the top-level help and prints its own', async () => {
    expect((await cli(['--help'])).out).toMatch(/privacy\s+erase or export/);
    const help = await cli(['privacy', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('vectorcache privacy erase');
    expect(help.out).toContain('vectorcache privacy export');
    expect((await cli(['privacy'])).code).toBe(2);
  });

  it('refuses wrong command lines with exit code 2, never echoing the subject id', async () => {
    const cases: Array<[string[], RegExp, Record<string, string | undefined>?]> = [
      [['privacy', 'forget', '--tenant', 't', '--subject', RAW], /expected erase or export/],
      [['privacy', 'erase', '--subject', RAW, '--store', 'redis://127.0.0.1:6379'], /needs --tenant/],
      [['privacy', 'erase', '--tenant', 't', '--store', 'redis://127.0.0.1:6379'], /needs --subject/],
      [['privacy', 'erase', '--tenant', 't', '--subject', RAW], /needs --store/],
      [['privacy', 'erase', '--tenant', 't', '--subject', RAW, '--store', 'memory'], /DELETE \/v1\/vectorcache\/subjects\/:id/],
      [['privacy', 'export', '--tenant', 't', '--subject', RAW, '--store', 'file:x.json'], /must be redis:\/\//],
      [['privacy', 'export', '--tenant', 't', '--subject', RAW, '--store', 'redis://127.0.0.1:6379', '--iterations', 'many'], /--iterations/],
      [['privacy', 'erase', '--tenant', 't', '--subject', RAW, '--store', 'redis://127.0.0.1:6379', RAW], /takes no arguments/],
      [['privacy', 'erase', '--tenant', 't', `--subjekt=${RAW}`], /unknown option `--subjekt`; did you mean `--subject`\?/],
      [['privacy', 'erase', '--tenant', 't', '--subject', RAW, '--store', 'redis://127.0.0.1:6379'], /VECTORCACHE_ENCRYPTION_SECRET must be set/, {}],
      [['privacy', 'erase', '--tenant', 't', '--subject', RAW], /needs --store/, { VECTORCACHE_ENCRYPTION_SECRET: SECRET, VECTORCACHE_CACHE: '' }],
    ];
    for (const [argv, message, env] of cases) {
      const res = await cli(argv, env);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.err).toMatch(message);
      expect(res.out).toBe('');
      expect(res.err).not.toContain(RAW);
    }
  });

  it('takes the store from VECTORCACHE_CACHE', async () => {
    const res = await cli(['privacy', 'erase', '--tenant', 't', '--subject', RAW], { VECTORCACHE_ENCRYPTION_SECRET: SECRET, VECTORCACHE_CACHE: 'memory' });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/in-memory cache lives inside its server/);
  });
});
