// The crypto folder's public surface: every promised name is exported and works through the barrel.
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('crypto public API', () => {
  it('exports the promised names', () => {
    for (const name of ['Fernet', 'MultiFernet', 'InvalidToken', 'deriveFernetKey', 'createEntryCipher', 'validateEncryptionOptions'] as const) {
      expect(typeof api[name]).toBe('function');
    }
    expect(api.DEFAULT_ENCRYPTION_SALT).toBe('vectorcache-guard/v1');
    expect(api.DEFAULT_PBKDF2_ITERATIONS).toBe(100_000);
  });

  it('works end to end through the barrel', async () => {
    const multi = new api.MultiFernet([new api.Fernet(await api.deriveFernetKey('barrel-secret', 'salt', { iterations: 10 }))]);
    expect(multi.decryptText(multi.encrypt('ok'))).toBe('ok');
    expect(() => multi.decrypt('gAAA')).toThrow(api.InvalidToken);
  });
});
