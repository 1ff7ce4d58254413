// MultiFernet: rotation order, stale detection, timestamp-preserving rotate, and key hiding.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidToken } from './fernet.js';
import { MultiFernet } from './multi-fernet.js';

const keyA = Fernet.generateKey();
const keyB = Fernet.generateKey();
const A = new Fernet(keyA);
const B = new Fernet(keyB);

describe('MultiFernet', () => {
  it('refuses an empty list and non-Fernet members', () => {
    expect(() => new MultiFernet([])).toThrow(TypeError);
    expect(() => new MultiFernet([keyA as unknown as Fernet])).toThrow(TypeError);
    expect(() => new MultiFernet(undefined as unknown as Fernet[])).toThrow(TypeError);
  });

  it('decrypts a token of the old key after rotating to [B, A] and reports it as stale', () => {
    const token = new MultiFernet([A]).encrypt('answer');
    const rotated = new MultiFernet([B, A]);
    expect(rotated.decryptText(token)).toBe('answer');
    const { data, keyIndex } = rotated.decryptWithIndex(token);
    expect(Buffer.from(data).toString()).toBe('answer');
    expect(keyIndex).toBe(1);
    expect(rotated.decryptWithIndex(rotated.encrypt('new')).keyIndex).toBe(0);
  });

  it('encrypts with the newest key only', () => {
    const token = new MultiFernet([B, A]).encrypt('x');
    expect(B.decryptText(token)).toBe('x');
    expect(() => A.decrypt(token)).toThrow(InvalidToken);
  });

  it('rotate() output decrypts with [B] alone and keeps the original timestamp', () => {
    const written = new Date('2024-01-02T03:04:05Z');
    const token = A.encrypt('kept', { now: written });
    const rotated = new MultiFernet([B, A]).rotate(token);
    expect(new MultiFernet([B]).decryptText(rotated)).toBe('kept');
    expect(() => A.decrypt(rotated)).toThrow(InvalidToken);
    expect(B.extractTimestamp(rotated)).toBe(written.getTime() / 1000);
    expect(rotated).not.toBe(token);
    // A TTL still counts from the first write.
    expect(() => B.decrypt(rotated, { ttl: 60, now: new Date(written.getTime() + 120_000) })).toThrow(InvalidToken);
  });

  it('rotate() refuses a token no key opens', () => {
    const foreign = new Fernet(Fernet.generateKey()).encrypt('x');
    expect(() => new MultiFernet([B, A]).rotate(foreign)).toThrow(InvalidToken);
    expect(() => new MultiFernet([B, A]).rotate('not a token')).toThrow(InvalidToken);
  });

  it('applies the TTL to every key', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const token = A.encrypt('old', { now });
    const multi = new MultiFernet([B, A]);
    expect(multi.decryptText(token, { ttl: 10, now: new Date(now.getTime() + 5_000) })).toBe('old');
    expect(() => multi.decrypt(token, { ttl: 10, now: new Date(now.getTime() + 11_000) })).toThrow(InvalidToken);
    expect(multi.extractTimestamp(token)).toBe(now.getTime() / 1000);
  });

  it('rejects tampered tokens', () => {
    const token = new MultiFernet([B, A]).encrypt('payload');
    const bytes = Buffer.from(token, 'base64url');
    bytes[30] = bytes[30]! ^ 1;
    const s = bytes.toString('base64url');
    expect(() => new MultiFernet([B, A]).decrypt(s + '='.repeat((4 - (s.length % 4)) % 4))).toThrow(InvalidToken);
  });

  it('reveals no key in inspect, JSON or String()', () => {
    const multi = new MultiFernet([B, A]);
    for (const out of [inspect(multi), inspect(multi, { showHidden: true, depth: 10 }), JSON.stringify(multi), String(multi)]) {
      for (const key of [keyA, keyB]) {
        expect(out).not.toContain(key);
        expect(out).not.toContain(key.slice(0, 16));
        expect(out).not.toContain(Buffer.from(key, 'base64url').toString('hex').slice(0, 16));
      }
    }
    expect(JSON.parse(JSON.stringify(multi))).toEqual({ type: 'MultiFernet', keyCount: 2 });
  });
});
