// Entry cipher: option validation messages, key derivation and rotation, index key stability, key hiding.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../errors.js';
import { deriveFernetKey } from './derive.js';
import {
  createEntryCipher,
  DEFAULT_ENCRYPTION_SALT,
  validateEncryptionOptions,
  type EncryptionWarning,
} from './entry-cipher.js';
import { Fernet, InvalidToken } from './fernet.js';

const SECRET_A = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const SECRET_B = 'b'.repeat(8) + 'fedcba9876543210fedcba9876543210';
const FAST = 1_000; // iterations for tests that do not check the default

function optionErrorOf(fn: () => unknown): VectorcacheOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VectorcacheOptionError);
    expect(error).toBeInstanceOf(TypeError);
    return error as VectorcacheOptionError;
  }
  throw new Error('expected an option error');
}

function collect(): { warnings: EncryptionWarning[]; warn: (w: EncryptionWarning) => void } {
  const warnings: EncryptionWarning[] = [];
  return { warnings, warn: (w) => warnings.push(w) };
}

describe('validateEncryptionOptions', () => {
  const dev = { environment: 'dev', warn: () => {} };
  const prod = { environment: 'prod', warn: () => {} };

  it('fills in defaults and keeps the given values', () => {
    expect(validateEncryptionOptions({ secret: SECRET_A, previousSecrets: [SECRET_B] }, prod)).toEqual({
      secret: SECRET_A,
      salt: DEFAULT_ENCRYPTION_SALT,
      previousSecrets: [SECRET_B],
      previousKeys: [],
      iterations: 100_000,
    });
    expect(validateEncryptionOptions({ secret: SECRET_A, salt: 'mine', iterations: 200_000, indexSecret: SECRET_B }, prod)).toMatchObject({
      salt: 'mine',
      iterations: 200_000,
      indexSecret: SECRET_B,
    });
  });

  it('names the option in every error', () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'encryption'],
      ['secret', 'encryption'],
      [{}, 'encryption.secret'],
      [{ secret: '' }, 'encryption.secret'],
      [{ secret: 42 }, 'encryption.secret'],
      [{ secret: SECRET_A, key: Fernet.generateKey() }, 'encryption'],
      [{ key: 'not-a-key' }, 'encryption.key'],
      [{ secret: SECRET_A, salt: '' }, 'encryption.salt'],
      [{ secret: SECRET_A, previousSecrets: 'x' }, 'encryption.previousSecrets'],
      [{ secret: SECRET_A, previousSecrets: [SECRET_B, 7] }, 'encryption.previousSecrets[1]'],
      [{ secret: SECRET_A, previousKeys: [Fernet.generateKey(), 'bad'] }, 'encryption.previousKeys[1]'],
      [{ secret: SECRET_A, iterations: 0 }, 'encryption.iterations'],
      [{ secret: SECRET_A, iterations: '100000' }, 'encryption.iterations'],
      [{ secret: SECRET_A, indexSecret: '' }, 'encryption.indexSecret'],
    ];
    for (const [value, option] of cases) {
      const error = optionErrorOf(() => validateEncryptionOptions(value, dev));
      expect(error.option).toBe(option);
      expect(error.message).toContain(`\`${option}\``);
    }
  });

  it('uses a custom option path', () => {
    const error = optionErrorOf(() => validateEncryptionOptions({ secret: 1 }, { environment: 'dev', option: 'cache.encryption' }));
    expect(error.option).toBe('cache.encryption.secret');
  });

  it('refuses a short secret in prod with the openssl hint, warns elsewhere', () => {
    const error = optionErrorOf(() => validateEncryptionOptions({ secret: 'short-secret' }, prod));
    expect(error.option).toBe('encryption.secret');
    expect(error.message).toContain('openssl rand -hex 32');
    expect(error.message).not.toContain('short-secret');
    expect(optionErrorOf(() => validateEncryptionOptions({ secret: SECRET_A, indexSecret: 'short' }, prod)).option).toBe('encryption.indexSecret');

    const { warnings, warn } = collect();
    expect(validateEncryptionOptions({ secret: 'short-secret' }, { environment: 'dev', warn }).secret).toBe('short-secret');
    expect(warnings.map((w) => [w.code, w.option])).toEqual([['VC_ENCRYPTION_SHORT_SECRET', 'encryption.secret']]);
    expect(warnings[0]!.message).not.toContain('short-secret');
  });

  it('only warns about a short previous secret, even in prod', () => {
    const { warnings, warn } = collect();
    validateEncryptionOptions({ secret: SECRET_A, previousSecrets: ['old-short'], indexSecret: SECRET_A }, { environment: 'prod', warn });
    expect(warnings.map((w) => w.option)).toEqual(['encryption.previousSecrets[0]']);
  });

  it('rejects unknown keys with a "Did you mean" hint', () => {
    const error = optionErrorOf(() => validateEncryptionOptions({ secret: SECRET_A, previousSecret: [SECRET_B] }, dev));
    expect(error.option).toBe('encryption.previousSecret');
    expect(error.message).toContain('Did you mean `previousSecrets`?');
    expect(optionErrorOf(() => validateEncryptionOptions({ secert: SECRET_A }, dev)).message).toContain('Did you mean `secret`?');
    const far = optionErrorOf(() => validateEncryptionOptions({ secret: SECRET_A, algorithm: 'aes' }, dev));
    expect(far.message).not.toContain('Did you mean');
    expect(far.message).toContain('Known options');
  });

  it('never puts a secret or key into an error message', () => {
    const key = Fernet.generateKey();
    const messages = [
      optionErrorOf(() => validateEncryptionOptions({ secret: SECRET_A, key }, dev)).message,
      optionErrorOf(() => validateEncryptionOptions({ key: `${key}x` }, dev)).message,
      optionErrorOf(() => validateEncryptionOptions({ secret: SECRET_A, previousSecrets: SECRET_B }, dev)).message,
      optionErrorOf(() => validateEncryptionOptions({ secret: 'tiny-pass' }, prod)).message,
    ];
    for (const m of messages) {
      for (const s of [SECRET_A, SECRET_B, key, 'tiny-pass']) expect(m).not.toContain(s);
    }
  });

  it('warns when rotating without an indexSecret, on duplicates, low iterations and padded secrets', () => {
    const { warnings, warn } = collect();
    validateEncryptionOptions({ secret: SECRET_A, previousSecrets: [SECRET_A], iterations: 10 }, { environment: 'dev', warn });
    validateEncryptionOptions({ secret: `${SECRET_B}\n` }, { environment: 'dev', warn });
    expect(warnings.map((w) => w.code).sort()).toEqual([
      'VC_ENCRYPTION_DUPLICATE_KEY',
      'VC_ENCRYPTION_INDEX_FROM_OLDEST',
      'VC_ENCRYPTION_LOW_ITERATIONS',
      'VC_ENCRYPTION_SECRET_WHITESPACE',
    ]);
    const quiet = collect();
    validateEncryptionOptions({ secret: SECRET_A }, { environment: 'prod', warn: quiet.warn });
    expect(quiet.warnings).toEqual([]);
  });
});

describe('createEntryCipher', () => {
  it('round-trips text and produces tokens readable by a plain Fernet with the derived key', async () => {
    const cipher = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const token = cipher.encrypt('{"answer":"42 🎉"}');
    expect(cipher.decrypt(token)).toEqual({ text: '{"answer":"42 🎉"}', stale: false });
    const key = await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT, { iterations: FAST });
    expect(new Fernet(key).decryptText(token)).toBe('{"answer":"42 🎉"}');
    expect(cipher.keyCount).toBe(1);
  });

  it('uses 100 000 iterations by default', async () => {
    const cipher = await createEntryCipher({ secret: SECRET_A });
    const key = await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT);
    expect(new Fernet(key).decryptText(cipher.encrypt('x'))).toBe('x');
  });

  it('marks entries of an older secret as stale and encrypts new ones with the newest', async () => {
    const before = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const after = await createEntryCipher({ secret: SECRET_B, previousSecrets: [SECRET_A], iterations: FAST });
    const old = before.encrypt('old entry');
    expect(after.decrypt(old)).toEqual({ text: 'old entry', stale: true });
    expect(after.keyCount).toBe(2);
    const fresh = after.encrypt('new entry');
    expect(after.decrypt(fresh)).toEqual({ text: 'new entry', stale: false });
    expect(() => before.decrypt(fresh)).toThrow(InvalidToken);
    const onlyB = await createEntryCipher({ secret: SECRET_B, iterations: FAST });
    expect(() => onlyB.decrypt(old)).toThrow(InvalidToken);
  });

  it('accepts raw Fernet keys, alone or mixed with secrets', async () => {
    const key = Fernet.generateKey();
    const fromPython = new Fernet(key).encrypt('shared');
    const keyed = await createEntryCipher({ key });
    expect(keyed.decrypt(fromPython)).toEqual({ text: 'shared', stale: false });
    const migrated = await createEntryCipher({ secret: SECRET_A, previousKeys: [key], iterations: FAST });
    expect(migrated.decrypt(fromPython)).toEqual({ text: 'shared', stale: true });
  });

  it('keeps the index key stable across a rotation and when the oldest secret moves to indexSecret', async () => {
    const first = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const rotating = await createEntryCipher({ secret: SECRET_B, previousSecrets: [SECRET_A], iterations: FAST });
    const rotated = await createEntryCipher({ secret: SECRET_B, indexSecret: SECRET_A, iterations: FAST });
    expect(first.indexKey).toHaveLength(32);
    expect(rotating.indexKey.equals(first.indexKey)).toBe(true);
    expect(rotated.indexKey.equals(first.indexKey)).toBe(true);
    const other = await createEntryCipher({ secret: SECRET_B, iterations: FAST });
    expect(other.indexKey.equals(first.indexKey)).toBe(false);
    const otherSalt = await createEntryCipher({ secret: SECRET_A, salt: 'other', iterations: FAST });
    expect(otherSalt.indexKey.equals(first.indexKey)).toBe(false);
  });

  it('keeps the index key apart from the encryption key', async () => {
    const cipher = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const fernetKey = Buffer.from(await deriveFernetKey(SECRET_A, DEFAULT_ENCRYPTION_SALT, { iterations: FAST }), 'base64url');
    expect(cipher.indexKey.equals(fernetKey)).toBe(false);
    expect(fernetKey.includes(cipher.indexKey.subarray(0, 16))).toBe(false);
  });

  it('hands out a copy of the index key', async () => {
    const cipher = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const copy = cipher.indexKey;
    const saved = Buffer.from(copy);
    copy.fill(0);
    expect(cipher.indexKey.equals(saved)).toBe(true);
  });

  it('rejects tampered and foreign tokens with InvalidToken', async () => {
    const cipher = await createEntryCipher({ secret: SECRET_A, iterations: FAST });
    const token = cipher.encrypt('payload');
    const tampered = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    expect(() => cipher.decrypt(tampered)).toThrow(InvalidToken);
    expect(() => cipher.decrypt('plain text entry')).toThrow(InvalidToken);
    expect(() => cipher.decrypt(new Fernet(Fernet.generateKey()).encrypt('x'))).toThrow(InvalidToken);
    expect(() => cipher.encrypt(42 as unknown as string)).toThrow(TypeError);
  });

  it('refuses invalid options before deriving anything', async () => {
    await expect(createEntryCipher({} as never)).rejects.toThrow(/encryption\.secret/);
    await expect(createEntryCipher({ secret: 'short' }, { environment: 'prod', warn: () => {} })).rejects.toThrow(/openssl rand -hex 32/);
  });

  it('reveals no secret, key or index key in inspect, JSON or String()', async () => {
    const rawKey = Fernet.generateKey();
    const cipher = await createEntryCipher({ secret: SECRET_B, previousSecrets: [SECRET_A], previousKeys: [rawKey], indexSecret: SECRET_A, iterations: FAST });
    const derived = await deriveFernetKey(SECRET_B, DEFAULT_ENCRYPTION_SALT, { iterations: FAST });
    const indexKey = cipher.indexKey;
    const outputs = [inspect(cipher), inspect(cipher, { showHidden: true, depth: 10, getters: true }), JSON.stringify(cipher), String(cipher), JSON.stringify({ cipher })];
    for (const out of outputs) {
      for (const secret of [SECRET_A, SECRET_B, rawKey, derived, derived.slice(0, 20)]) expect(out).not.toContain(secret);
      for (const form of ['hex', 'base64', 'base64url'] as const) expect(out).not.toContain(indexKey.toString(form).slice(0, 16));
      expect(out).not.toContain(Buffer.from(derived, 'base64url').toString('hex').slice(0, 16));
    }
    expect(JSON.parse(JSON.stringify(cipher))).toEqual({ type: 'EntryCipher', keyCount: 3 });
  });
});
