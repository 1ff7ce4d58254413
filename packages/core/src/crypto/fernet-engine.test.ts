// The long-lived AES contexts and precomputed HMAC pads give exactly the tokens a from-scratch Fernet would.
import { createDecipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidToken } from './fernet.js';

/** A Fernet reader built only from one-shot node:crypto calls, independent of the engine. */
function referenceDecrypt(key: string, token: string): Buffer {
  const raw = Buffer.from(key, 'base64url');
  const bytes = Buffer.from(token, 'base64url');
  const mac = createHmac('sha256', raw.subarray(0, 16)).update(bytes.subarray(0, bytes.length - 32)).digest();
  if (!mac.equals(bytes.subarray(bytes.length - 32))) throw new Error('reference: HMAC mismatch');
  const decipher = createDecipheriv('aes-128-cbc', raw.subarray(16), bytes.subarray(9, 25));
  return Buffer.concat([decipher.update(bytes.subarray(25, bytes.length - 32)), decipher.final()]);
}

describe('Fernet engine (reused contexts)', () => {
  const keyA = Fernet.generateKey();
  const keyB = Fernet.generateKey();
  const a = new Fernet(keyA);
  const b = new Fernet(keyB);

  it('every token of a long mixed sequence opens with a from-scratch reader, and vice versa', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ useB: fc.boolean(), data: fc.uint8Array({ maxLength: 300 }), tamper: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (steps) => {
          for (const { useB, data, tamper } of steps) {
            const [f, key] = useB ? [b, keyB] : [a, keyA];
            const token = f.encrypt(data);
            expect(referenceDecrypt(key, token).equals(Buffer.from(data))).toBe(true);
            // Failed opens in between must not leave either context out of step.
            if (tamper) expect(() => f.decrypt(`${token.slice(0, 30)}${token[30] === 'A' ? 'B' : 'A'}${token.slice(31)}`)).toThrow(InvalidToken);
            expect(() => (useB ? a : b).decrypt(token)).toThrow(InvalidToken);
            expect(Buffer.from(f.decrypt(token)).equals(Buffer.from(data))).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('tokens from other writers open after the contexts have been used', () => {
    for (let i = 0; i < 5; i++) a.encrypt(`warm ${i}`);
    const other = new Fernet(keyA);
    const tokens = ['one', 'x'.repeat(1000), '', 'Grüße'].map((t) => other.encrypt(t));
    expect(tokens.map((t) => a.decryptText(t))).toEqual(['one', 'x'.repeat(1000), '', 'Grüße']);
  });
});
