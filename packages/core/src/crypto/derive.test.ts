// deriveFernetKey: PBKDF2-HMAC-SHA256 known answers, Python's key format, and argument checks.
import { describe, expect, it } from 'vitest';
import { deriveFernetKey } from './derive.js';
import { Fernet } from './fernet.js';

describe('deriveFernetKey', () => {
  it('matches the RFC 7914 PBKDF2-HMAC-SHA256 vector (first 32 bytes)', async () => {
    const expected = Buffer.from('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc', 'hex');
    const key = await deriveFernetKey('passwd', 'salt', { iterations: 1 });
    expect(Buffer.from(key, 'base64url').equals(expected)).toBe(true);
  });

  it('returns a padded 44-character base64url key usable by Fernet', async () => {
    const key = await deriveFernetKey('a secret that is long enough for prod!!', 'vectorcache-guard/v1');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    const f = new Fernet(key);
    expect(f.decryptText(f.encrypt('ok'))).toBe('ok');
  });

  it('is deterministic and depends on secret, salt and iterations', async () => {
    const base = await deriveFernetKey('secret-one', 'salt-one', { iterations: 1000 });
    expect(await deriveFernetKey('secret-one', 'salt-one', { iterations: 1000 })).toBe(base);
    expect(await deriveFernetKey('secret-two', 'salt-one', { iterations: 1000 })).not.toBe(base);
    expect(await deriveFernetKey('secret-one', 'salt-two', { iterations: 1000 })).not.toBe(base);
    expect(await deriveFernetKey('secret-one', 'salt-one', { iterations: 1001 })).not.toBe(base);
  });

  it('treats strings as UTF-8, the same as the equivalent bytes', async () => {
    const fromText = await deriveFernetKey('clé 🔑', 'sel', { iterations: 10 });
    const fromBytes = await deriveFernetKey(new TextEncoder().encode('clé 🔑'), Buffer.from('sel'), { iterations: 10 });
    expect(fromBytes).toBe(fromText);
  });

  it('uses 100 000 iterations by default', async () => {
    expect(await deriveFernetKey('s3cret', 'salt')).toBe(await deriveFernetKey('s3cret', 'salt', { iterations: 100_000 }));
    expect(await deriveFernetKey('s3cret', 'salt')).not.toBe(await deriveFernetKey('s3cret', 'salt', { iterations: 99_999 }));
  });

  it('rejects bad arguments with a TypeError that does not echo the secret', async () => {
    for (const iterations of [0, -1, 1.5, Number.NaN, 1e12]) {
      await expect(deriveFernetKey('hunter2-secret', 'salt', { iterations })).rejects.toThrow(TypeError);
    }
    await expect(deriveFernetKey('', 'salt')).rejects.toThrow(TypeError);
    await expect(deriveFernetKey(42 as unknown as string, 'salt')).rejects.toThrow(TypeError);
    await expect(deriveFernetKey('hunter2-secret', null as unknown as string)).rejects.toThrow(TypeError);
    await expect(deriveFernetKey('hunter2-secret', 'salt', { iterations: 0 })).rejects.not.toThrow(/hunter2/);
  });
});
