// TenantSecrets: encrypted-only storage of tenants' upstream keys, slot binding, rotation on read, validation, redaction.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEntryCipher, DEFAULT_ENCRYPTION_SALT, deriveFernetKey, Fernet } from '../crypto/index.js';
import { EntryCodec } from '../entries.js';
import { MemorySecretBackend, SecretIntegrityError, TenantSecrets } from './index.js';

const A = 'tenant-secrets-test-secret-A-0123456789abcdef';
const B = 'tenant-secrets-test-secret-B-fedcba9876543210';
const VALUE = 'sk-proj-UPSTREAM-7c1d9e2f4a6b8c0d';
const codecA = new EntryCodec(await createEntryCipher({ secret: A, iterations: 1000 }));
const codecAB = new EntryCodec(await createEntryCipher({ secret: B, previousSecrets: [A], iterations: 1000 }));
const fernetB = new Fernet(await deriveFernetKey(B, DEFAULT_ENCRYPTION_SALT, { iterations: 1000 }));

describe('TenantSecrets', () => {
  it('stores only a Fernet token, and reads the value back', async () => {
    const backend = new MemorySecretBackend();
    const secrets = new TenantSecrets({ codec: codecA, backend });
    await secrets.set('acme', 'openai', VALUE);
    const token = backend.get('acme/openai')!;
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    expect(token).not.toContain('UPSTREAM');
    expect(await secrets.get('acme', 'openai')).toBe(VALUE);
    expect(await secrets.get('acme', 'anthropic')).toBeUndefined();
    expect(await secrets.get('globex', 'openai')).toBeUndefined();
    expect(await secrets.delete('acme', 'openai')).toBe(true);
    expect(await secrets.delete('acme', 'openai')).toBe(false);
    expect(await secrets.get('acme', 'openai')).toBeUndefined();
  });

  it('accepts an EntryCipher, or a promise of the codec (the guard derives its keys asynchronously)', async () => {
    const cipher = await createEntryCipher({ secret: A, iterations: 1000 });
    const backend = new MemorySecretBackend();
    await new TenantSecrets({ cipher, backend }).set('acme', 'openai', VALUE);
    expect(await new TenantSecrets({ codec: Promise.resolve(codecA), backend }).get('acme', 'openai')).toBe(VALUE);
  });

  it('refuses to work without encryption', async () => {
    expect(() => new TenantSecrets({ codec: new EntryCodec(undefined) })).toThrow(/encryption.*never in plaintext/);
    expect(() => new TenantSecrets({} as never)).toThrow(/TenantSecrets\.codec/);
    expect(() => new TenantSecrets({ codec: codecA, cipher: {} as never })).toThrow(/not both/);
    expect(() => new TenantSecrets({ codec: codecA, backned: {} } as never)).toThrow(/TenantSecrets\.backned/);
    const later = new TenantSecrets({ codec: Promise.resolve(new EntryCodec(undefined)) });
    await expect(later.set('acme', 'openai', VALUE)).rejects.toThrow(/encryption/);
    await expect(later.get('acme', 'openai')).rejects.toThrow(/encryption/);
  });

  it('refuses a token moved to another tenant or provider, or tampered with, without showing the value', async () => {
    const backend = new MemorySecretBackend();
    const secrets = new TenantSecrets({ codec: codecA, backend });
    await secrets.set('acme', 'openai', VALUE);
    backend.set('globex/openai', backend.get('acme/openai')!);
    backend.set('acme/anthropic', backend.get('acme/openai')!);
    backend.set('acme/mistral', backend.get('acme/openai')!.slice(0, -5));
    for (const [tenant, provider] of [['globex', 'openai'], ['acme', 'anthropic'], ['acme', 'mistral']] as const) {
      const error = await secrets.get(tenant, provider).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretIntegrityError);
      expect(String(error)).toContain(`tenant ${tenant}`);
      expect(String(error) + inspect(error)).not.toContain('UPSTREAM');
    }
  });

  it('re-encrypts a value under the newest key when an older key opened it', async () => {
    const backend = new MemorySecretBackend();
    await new TenantSecrets({ codec: codecA, backend }).set('acme', 'openai', VALUE);
    expect(() => fernetB.decrypt(backend.get('acme/openai')!)).toThrow();
    expect(await new TenantSecrets({ codec: codecAB, backend }).get('acme', 'openai')).toBe(VALUE);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.parse(fernetB.decryptText(backend.get('acme/openai')!))).toEqual({ t: 'acme', p: 'openai', v: VALUE });
  });

  it('validates names and values; messages never contain the value', async () => {
    const secrets = new TenantSecrets({ codec: codecA });
    for (const [tenant, provider] of [['', 'openai'], ['a/b', 'openai'], ['acme', 'OpenAI'], ['acme', 'open/ai'], ['acme', ''], [42, 'openai']]) {
      await expect(secrets.set(tenant as string, provider as string, VALUE)).rejects.toThrow(TypeError);
      await expect(secrets.get(tenant as string, provider as string)).rejects.toThrow(TypeError);
    }
    for (const value of ['', 'x'.repeat(8_193), 42]) {
      const error = await secrets.set('acme', 'openai', value as string).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
    }
    const error = await secrets.set('a/b', 'openai', VALUE).catch((e: unknown) => String(e));
    expect(error).not.toContain('UPSTREAM');
  });

  it('shows no value in util.inspect or JSON', async () => {
    const backend = new MemorySecretBackend();
    const secrets = new TenantSecrets({ codec: codecA, backend });
    await secrets.set('acme', 'openai', VALUE);
    for (const text of [inspect(secrets, { depth: Infinity, showHidden: true }), JSON.stringify(secrets), inspect(backend), JSON.stringify(backend)]) {
      expect(text).not.toContain('UPSTREAM');
      expect(text).not.toContain('gAAAAA');
    }
    expect(JSON.stringify(backend)).toBe('{"type":"MemorySecretBackend","size":1}');
  });
});
