// Secrets, derived keys, API keys and upstream keys never reach errors, events, pino logs, util.inspect or JSON.
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  createEntryCipher, createGuard, createKey, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, MemoryCacheStore, MemoryKeyStore,
  type GuardEvent, type GuardOptions,
} from '@vectorcache/core';
import { EntryCodec } from '../../packages/core/src/entries.js';
import { MemorySecretBackend, TenantSecrets } from '../../packages/core/src/secrets/index.js';
import { ITERATIONS, TENANT, chatBody, view } from './helpers.js';

const SECRET = 'newest-secret-NS-5b1f0c9e2a7d4e8f9a0b1c2d3e4f5a6b';
const PREVIOUS = 'previous-secret-PS-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';
const INDEX = 'index-secret-IS-1122334455667788990011223344556677';
const UPSTREAM = 'sk-upstream-US-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

/** Every form in which a secret could leak: as given, derived Fernet keys, and index keys (hex and base64). */
async function forbidden(apiKeys: string[]): Promise<string[]> {
  const out = [SECRET, PREVIOUS, INDEX, UPSTREAM, ...apiKeys];
  for (const secret of [SECRET, PREVIOUS, INDEX]) {
    const key = await deriveFernetKey(secret, DEFAULT_ENCRYPTION_SALT, { iterations: ITERATIONS });
    out.push(key, Buffer.from(key, 'base64url').toString('hex'), Buffer.from(key, 'base64url').toString('base64'));
  }
  const { indexKey } = await createEntryCipher({ secret: SECRET, previousSecrets: [PREVIOUS], indexSecret: INDEX, iterations: ITERATIONS });
  out.push(indexKey.toString('hex'), indexKey.toString('base64'), indexKey.toString('base64url'));
  return out;
}

function expectClean(text: string, secrets: string[], what: string): void {
  expect(text.length, what).toBeGreaterThan(0);
  for (const secret of secrets) {
    // Long enough fragments too: a secret cut in half is still a leak.
    for (const piece of [secret, secret.slice(0, 16), secret.slice(-16)]) expect(text.includes(piece), `${what} contains a secret`).toBe(false);
  }
}

function captureErrors(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return `${String(error)}\n${inspect(error, { depth: 5 })}`;
  }
  throw new Error('expected the construction to fail');
}

describe('no secret in errors, events, logs or inspect output', () => {
  it('option errors never repeat a secret', async () => {
    const secrets = await forbidden([]);
    const keys = new MemoryKeyStore();
    const texts = [
      captureErrors(() => createGuard({ keys, encryption: SECRET as never })),
      captureErrors(() => createGuard({ keys, encryption: { secrte: SECRET } as never })),
      captureErrors(() => createGuard({ keys, environment: 'prod', encryption: { secret: SECRET.slice(0, 20) } })),
      captureErrors(() => createGuard({ keys, encryption: { secret: SECRET, key: SECRET } })),
      captureErrors(() => createGuard({ keys, encryption: { key: SECRET } })),
      captureErrors(() => createGuard({ keys, encryption: { secret: SECRET, previousSecrets: PREVIOUS as never } })),
      captureErrors(() => createGuard({ keys, encryption: { secret: SECRET, previousSecrets: [PREVIOUS, 42 as never] } })),
      captureErrors(() => createGuard({ keys, encryption: { secret: SECRET, salt: 7 as never } })),
      captureErrors(() => new TenantSecrets({ codec: new EntryCodec(undefined) })),
    ];
    for (const text of texts) expectClean(text, secrets, text.split('\n')[0]!);
    for (const text of texts) expectClean(text, [SECRET.slice(0, 20)], 'short secret');
  });

  it('a guard at work: events, pino logs, util.inspect and JSON of guard, cipher, codec and tenant secrets', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'trace' }, new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const keyStore = new MemoryKeyStore();
    const { key: apiKey } = await createKey(keyStore, { environment: 'dev', name: 'n', scopes: ['cache:read', 'cache:write'], tenant: TENANT });
    const { key: prodKey } = await createKey(keyStore, { environment: 'prod', name: 'p', scopes: ['*'], tenant: TENANT });
    const secrets = await forbidden([apiKey, prodKey]);
    const events: GuardEvent[] = [];
    const cache = new MemoryCacheStore();
    const options: GuardOptions = {
      environment: 'dev', keys: keyStore, cache, logger, onEvent: (e) => events.push(e), pii: false,
      // A short previous secret and low iterations make the guard log warnings about these very options.
      encryption: { secret: SECRET, previousSecrets: [PREVIOUS, 'short-old-secret'], indexSecret: INDEX, iterations: ITERATIONS },
      lockout: { maxFailures: 2, windowMs: 60_000 },
    };
    const guard = createGuard(options);
    await guard.ready();

    const ask = async (key: string, content: string, extra: object = {}) => {
      const d = await guard.handle({ ...view(key, chatBody(content)), ...extra });
      if (d.kind === 'pass' && d.ticket) await guard.complete(d.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }).done;
      return d;
    };
    await ask(apiKey, 'hello');
    await ask(apiKey, 'hello');
    // A tampered entry: cache.integrity_failure.
    for await (const [k, e] of cache.entries()) cache.set(k, { ...e, response: e.response.slice(0, -6) }, 60_000);
    await ask(apiKey, 'hello');
    await ask(prodKey, 'wrong environment');
    await ask(`${apiKey.slice(0, -4)}zzzz`, 'tampered key');
    await ask(`${apiKey.slice(0, -4)}yyyy`, 'tampered key');
    await ask(`${apiKey.slice(0, -4)}xxxx`, 'locked out');
    await ask(apiKey, 'plain http', { headers: { ...view(apiKey, {}).headers, 'x-forwarded-proto': 'http' } });

    const tenantSecrets = new TenantSecrets({ codec: new EntryCodec(await createEntryCipher(options.encryption!)), backend: new MemorySecretBackend() });
    await tenantSecrets.set(TENANT, 'openai', UPSTREAM);
    expect(await tenantSecrets.get(TENANT, 'openai')).toBe(UPSTREAM);
    const cipher = await createEntryCipher(options.encryption!);

    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['cache.integrity_failure', 'auth.failure', 'auth.lockout']));
    expect(logs.length).toBeGreaterThan(0);
    expectClean(JSON.stringify(events), secrets, 'events');
    expectClean(logs.join('\n'), secrets, 'pino logs');
    for (const [name, value] of Object.entries({ guard, cipher, codec: new EntryCodec(cipher), tenantSecrets })) {
      expectClean(inspect(value, { depth: Infinity, showHidden: true, getters: true }), secrets, `inspect(${name})`);
      expectClean(JSON.stringify(value) ?? 'undefined', secrets, `JSON(${name})`);
    }
    expectClean(inspect(cipher), [...secrets], 'inspect(cipher)');
    expect(inspect(tenantSecrets)).toBe('TenantSecrets { values: [redacted] }');
  });
});
