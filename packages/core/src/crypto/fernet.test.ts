// Fernet against the spec's vectors, strict decoding, tamper and round-trip properties, and key hiding.
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidToken } from './fernet.js';

interface Vector {
  token: string;
  now: string;
  secret: string;
  src?: string;
  iv?: number[];
  ttl_sec?: number;
  desc?: string;
}
// The spec's vectors are copied into the repository (test/fixtures/fernet-spec/SOURCE.md says from where).
const load = (name: string): Vector[] =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/fernet-spec/${name}.json`, import.meta.url), 'utf8')) as Vector[];

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const NOW = new Date('1985-10-26T01:20:00-07:00');

const b64 = (bytes: Buffer): string => {
  const s = bytes.toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
};
const fromB64 = (token: string): Buffer => Buffer.from(token, 'base64url');

describe('Fernet spec vectors', () => {
  const generate = load('generate');
  const verify = load('verify');
  const invalid = load('invalid');

  it('has vectors to check', () => {
    expect(generate.length).toBeGreaterThan(0);
    expect(verify.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
  });

  for (const v of generate) {
    it(`generate: ${v.src} at ${v.now}`, () => {
      const token = new Fernet(v.secret).encrypt(v.src!, { iv: Uint8Array.from(v.iv!), now: new Date(v.now) });
      expect(token).toBe(v.token);
    });
  }
  for (const v of verify) {
    it(`verify: ${v.token.slice(0, 16)}… at ${v.now}`, () => {
      const f = new Fernet(v.secret);
      expect(f.decryptText(v.token, { ttl: v.ttl_sec!, now: new Date(v.now) })).toBe(v.src);
      expect(Buffer.from(f.decrypt(v.token, { ttl: v.ttl_sec!, now: new Date(v.now) })).toString('utf8')).toBe(v.src);
    });
  }
  for (const v of invalid) {
    it(`invalid: ${v.desc}`, () => {
      expect(() => new Fernet(v.secret).decrypt(v.token, { ttl: v.ttl_sec!, now: new Date(v.now) })).toThrow(InvalidToken);
    });
  }
});

describe('Fernet strict decoding', () => {
  const f = new Fernet(KEY);
  const token = f.encrypt('hello', { now: NOW });
  const opts = { now: NOW, ttl: 60 };

  it('accepts the untouched token', () => {
    expect(f.decryptText(token, opts)).toBe('hello');
  });

  const bad = (mutated: string) => () => f.decrypt(mutated, opts);

  it('rejects the standard-base64 characters + and /', () => {
    let sample = token;
    while (!/[-_]/.test(sample)) sample = f.encrypt('hello', { now: NOW });
    // The same bytes in standard base64: a lenient decoder would accept it.
    const std = fromB64(sample).toString('base64');
    expect(std).not.toBe(sample);
    expect(std).toMatch(/[+/]/);
    expect(f.decryptText(sample, opts)).toBe('hello');
    expect(bad(std)).toThrow(InvalidToken);
    expect(bad(`+${token.slice(1)}`)).toThrow(InvalidToken);
    expect(bad(`${token.slice(0, 10)}/${token.slice(11)}`)).toThrow(InvalidToken);
  });

  it('rejects whitespace anywhere', () => {
    for (const ws of [' ', '\n', '\t', '\r\n']) {
      expect(bad(token + ws)).toThrow(InvalidToken);
      expect(bad(ws + token)).toThrow(InvalidToken);
      expect(bad(`${token.slice(0, 20)}${ws}${token.slice(20)}`)).toThrow(InvalidToken);
    }
  });

  it('rejects missing, extra and misplaced padding', () => {
    expect(token.endsWith('=')).toBe(true);
    const body = token.replace(/=+$/, '');
    expect(bad(body)).toThrow(InvalidToken);
    expect(bad(`${token}=`)).toThrow(InvalidToken);
    expect(bad(`${token}==`)).toThrow(InvalidToken);
    expect(bad(`${body.slice(0, 8)}=${body.slice(8)}`)).toThrow(InvalidToken);
    expect(bad(`=${body}`)).toThrow(InvalidToken);
  });

  it('rejects non-canonical trailing bits', () => {
    const body = token.replace(/=+$/, '');
    const pad = token.length - body.length;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(body[body.length - 1]!);
    // One '=' leaves 2 unused bits, two leave 4; setting the lowest one still decodes to the same bytes leniently.
    const altered = body.slice(0, -1) + alphabet[last | 1]! + '='.repeat(pad);
    expect(pad).toBeGreaterThan(0);
    expect(altered).not.toBe(token);
    expect(Buffer.from(altered, 'base64url').equals(fromB64(token))).toBe(true);
    expect(bad(altered)).toThrow(InvalidToken);
  });

  it('rejects truncated tokens and trailing data', () => {
    const bytes = fromB64(token);
    for (const len of [0, 1, 9, 25, 41, 72, bytes.length - 1, bytes.length - 16]) {
      expect(bad(b64(bytes.subarray(0, len)))).toThrow(InvalidToken);
    }
    expect(bad(b64(Buffer.concat([bytes, Buffer.from([0])])))).toThrow(InvalidToken);
    expect(bad(b64(Buffer.concat([bytes, Buffer.alloc(16)])))).toThrow(InvalidToken);
    expect(bad(token + 'AAAA')).toThrow(InvalidToken);
    expect(bad('')).toThrow(InvalidToken);
  });

  it('rejects a version byte other than 0x80', () => {
    for (const version of [0x00, 0x7f, 0x81, 0xff]) {
      const bytes = Buffer.from(fromB64(token));
      bytes[0] = version;
      expect(bad(b64(bytes))).toThrow(InvalidToken);
    }
  });

  it('rejects a timestamp beyond the 60 s clock skew when a TTL is checked', () => {
    const future = f.encrypt('x', { now: new Date(NOW.getTime() + 61_000) });
    expect(() => f.decrypt(future, { ttl: 3600, now: NOW })).toThrow(InvalidToken);
    const withinSkew = f.encrypt('x', { now: new Date(NOW.getTime() + 60_000) });
    expect(f.decryptText(withinSkew, { ttl: 3600, now: NOW })).toBe('x');
    // Like Python's cryptography, no TTL means no time checks at all.
    expect(f.decryptText(future, { now: NOW })).toBe('x');
  });

  it('rejects an expired token and accepts one exactly at its TTL', () => {
    expect(() => f.decrypt(token, { ttl: 60, now: new Date(NOW.getTime() + 61_000) })).toThrow(InvalidToken);
    expect(f.decryptText(token, { ttl: 60, now: new Date(NOW.getTime() + 60_999) })).toBe('hello');
    expect(() => f.decrypt(token, { ttl: 0, now: new Date(NOW.getTime() + 1_000) })).toThrow(InvalidToken);
  });

  it('rejects a token from another key', () => {
    expect(() => new Fernet(Fernet.generateKey()).decrypt(token)).toThrow(InvalidToken);
  });

  it('rejects non-string tokens and invalid ttl/now/iv', () => {
    expect(() => f.decrypt(42 as unknown as string)).toThrow(InvalidToken);
    expect(() => f.decrypt(token, { ttl: -1 })).toThrow(TypeError);
    expect(() => f.decrypt(token, { ttl: Number.NaN })).toThrow(TypeError);
    expect(() => f.decrypt(token, { ttl: 10, now: new Date('nope') })).toThrow(TypeError);
    expect(() => f.encrypt('x', { iv: new Uint8Array(15) })).toThrow(TypeError);
    expect(() => f.encrypt('x', { now: new Date(-5_000) })).toThrow(TypeError);
  });

  it('extracts the verified timestamp', () => {
    expect(f.extractTimestamp(token)).toBe(NOW.getTime() / 1000);
    expect(() => new Fernet(Fernet.generateKey()).extractTimestamp(token)).toThrow(InvalidToken);
  });
});

describe('Fernet keys', () => {
  it('accepts the key padded, unpadded and as raw bytes, all equivalent', () => {
    const raw = fromB64(KEY);
    const token = new Fernet(KEY).encrypt('same');
    expect(new Fernet(KEY.replace(/=$/, '')).decryptText(token)).toBe('same');
    expect(new Fernet(raw).decryptText(token)).toBe('same');
    expect(new Fernet(new Uint8Array(raw)).decryptText(token)).toBe('same');
  });

  it('is not affected by later changes to the caller’s key buffer', () => {
    const raw = Buffer.from(fromB64(KEY));
    const f = new Fernet(raw);
    const token = f.encrypt('kept');
    raw.fill(0);
    expect(f.decryptText(token)).toBe('kept');
  });

  it('refuses malformed keys without echoing them', () => {
    const cases: unknown[] = [
      '',
      KEY.slice(0, 40),
      `${KEY}=`,
      KEY.replace(/-/g, '+'),
      ` ${KEY}`,
      Buffer.alloc(31),
      Buffer.alloc(33),
      42,
    ];
    for (const key of cases) {
      let error: unknown;
      try {
        new Fernet(key as string);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect(String((error as Error).message)).not.toContain(KEY.slice(0, 10));
    }
  });

  it('generates distinct 44-character keys in Python’s format', () => {
    const a = Fernet.generateKey();
    const b = Fernet.generateKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(a).not.toBe(b);
    expect(new Fernet(a).decryptText(new Fernet(a).encrypt('ok'))).toBe('ok');
  });
});

describe('Fernet properties', () => {
  const f = new Fernet(Fernet.generateKey());

  it('round-trips random Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => f.decryptText(f.encrypt(text)) === text),
      { numRuns: 300 },
    );
  });

  it('round-trips random bytes from 0 B to 4 KB', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (data) => {
        expect(Buffer.from(f.decrypt(f.encrypt(data))).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips a few payloads up to 1 MB', () => {
    fc.assert(
      fc.property(fc.integer({ min: 512 * 1024, max: 1024 * 1024 }), fc.integer({ min: 0, max: 255 }), (size, seed) => {
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff;
        expect(Buffer.from(f.decrypt(f.encrypt(data))).equals(data)).toBe(true);
      }),
      { numRuns: 4 },
    );
    const exact = Buffer.alloc(1024 * 1024, 0xab);
    expect(Buffer.from(f.decrypt(f.encrypt(exact))).equals(exact)).toBe(true);
  });

  it('rejects a token with any single bit flipped', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (text, pos, bit) => {
        const bytes = fromB64(f.encrypt(text));
        const i = pos % bytes.length;
        bytes[i] = bytes[i]! ^ (1 << bit);
        expect(() => f.decrypt(b64(bytes))).toThrow(InvalidToken);
      }),
      { numRuns: 500 },
    );
  });

  it('uses a fresh IV for every encryption', () => {
    expect(f.encrypt('same')).not.toBe(f.encrypt('same'));
  });
});

describe('Fernet hides its key', () => {
  it('reveals nothing in inspect, JSON or String()', () => {
    const raw = fromB64(KEY);
    const f = new Fernet(KEY);
    const outputs = [inspect(f), inspect(f, { showHidden: true, depth: 10 }), JSON.stringify(f), String(f), `${JSON.stringify({ f })}`];
    for (const out of outputs) {
      expect(out).not.toContain(KEY);
      expect(out).not.toContain(KEY.slice(0, 22));
      expect(out).not.toContain(raw.subarray(0, 16).toString('hex'));
      expect(out).not.toContain(raw.subarray(16).toString('base64url'));
    }
    expect(Object.keys(f)).toEqual([]);
  });

  it('does not put key material in InvalidToken messages', () => {
    const f = new Fernet(KEY);
    try {
      f.decrypt(new Fernet(Fernet.generateKey()).encrypt('secret plaintext'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidToken);
      expect((e as Error).message).not.toContain(KEY.slice(0, 10));
      expect((e as Error).message).not.toContain('secret plaintext');
    }
  });
});
