// Tests for the API key format: generation, parsing, checksum strength, hashing and hints.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BASE62, crc32, generateApiKey, hashApiKey, keyChecksum, keyHint, MAX_KEY_LENGTH, parseApiKey, randomBase62 } from './format.js';

describe('generateApiKey / parseApiKey', () => {
  it('round-trips: a generated key parses back to its parts', () => {
    const generated = generateApiKey('prod');
    expect(generated.key).toMatch(/^vc_prod_[0-9A-Za-z]{38}$/);
    const parsed = parseApiKey(generated.key);
    expect(parsed).not.toBeNull();
    expect(parsed!.environment).toBe('prod');
    expect(`vc_prod_${parsed!.random}${parsed!.checksum}`).toBe(generated.key);
    expect(parsed!.random).toHaveLength(32);
    expect(parsed!.checksum).toHaveLength(6);
    expect(generated.environment).toBe('prod');
    expect(generated.hash).toBe(hashApiKey(generated.key));
    expect(generated.hint).toBe(keyHint(generated.key));
  });

  it('accepts custom lowercase environments and refuses invalid ones at generation', () => {
    for (const env of ['dev', 'staging', 'prod', 'eu2', 'abcdefghijklmnop']) {
      expect(parseApiKey(generateApiKey(env).key)?.environment).toBe(env);
    }
    for (const env of ['', 'p', 'Prod', '1dev', 'pro_d', 'abcdefghijklmnopq', 'dév']) {
      expect(() => generateApiKey(env)).toThrow(TypeError);
    }
  });

  it('1000 generated keys are unique and all parse', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { key } = generateApiKey('dev');
      expect(parseApiKey(key)).not.toBeNull();
      keys.add(key);
    }
    expect(keys.size).toBe(1000);
  });

  it('uses the whole base62 alphabet roughly evenly (no modulo bias toward low characters)', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62_000);
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each; a biased `byte % 62` would give the first 8 characters ~1.25 × more.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('the checksum catches every single-character substitution of a sample key', () => {
    const { key } = generateApiKey('prod');
    const bodyStart = 'vc_prod_'.length;
    let tried = 0;
    for (let i = 0; i < key.length; i++) {
      for (const ch of BASE62 + '_') {
        if (ch === key[i]) continue;
        const mutated = key.slice(0, i) + ch + key.slice(i + 1);
        tried++;
        // Inside the prefix/env a substitution may still spell a valid env: the checksum covers it.
        expect(parseApiKey(mutated), `position ${i} → ${ch}`).toBeNull();
      }
    }
    expect(tried).toBeGreaterThan((key.length - bodyStart) * 60);
  });

  it('the checksum is CRC-32 of vc_<env>_<random> in 6 base62 digits', () => {
    expect(crc32('123456789')).toBe(0xcbf43926); // the standard CRC-32 check value
    const random = 'a'.repeat(32);
    let value = crc32(`vc_dev_${random}`);
    let digits = '';
    for (let i = 0; i < 6; i++) {
      digits = BASE62[value % 62] + digits;
      value = Math.floor(value / 62);
    }
    expect(keyChecksum('dev', random)).toBe(digits);
    expect(parseApiKey(`vc_dev_${random}${digits}`)).toEqual({ environment: 'dev', random, checksum: digits });
  });

  it('a key moved to another environment fails its checksum', () => {
    const { key } = generateApiKey('dev');
    expect(parseApiKey(key.replace('vc_dev_', 'vc_prod_'))).toBeNull();
  });

  it('rejects garbage, unicode, wrong lengths and overlong input without throwing', () => {
    const { key } = generateApiKey('prod');
    const bad: unknown[] = [
      '', 'vc_', 'vc_prod_', 'vc_prod', key.slice(0, -1), key + 'a', key.toUpperCase(), key.replace('vc_', 'VC_'),
      key.replace('vc_', 'vk_'), ` ${key}`, `${key} `, `${key}\n`, key.slice(0, 20) + 'é' + key.slice(21),
      key.slice(0, 20) + '\u0000' + key.slice(21), key.slice(0, 20) + '-' + key.slice(21),
      'vc_prod_' + '😀'.repeat(19), 'vc__' + key.slice(8), 'vc_p_' + key.slice(8), 'x'.repeat(10_000),
      'vc_prod_' + 'a'.repeat(1_000_000), null, undefined, 42, {}, ['vc_prod_x'],
    ];
    for (const value of bad) expect(parseApiKey(value as string)).toBeNull();
    expect(MAX_KEY_LENGTH).toBeLessThanOrEqual(64);
  });
});

describe('hashApiKey / keyHint', () => {
  it('hashes with hex SHA-256', () => {
    expect(hashApiKey('vc_dev_x')).toBe(createHash('sha256').update('vc_dev_x').digest('hex'));
    expect(hashApiKey('a')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hints show the environment, 4 leading and 4 trailing characters only', () => {
    const { key } = generateApiKey('prod');
    const hint = keyHint(key);
    expect(hint).toBe(`vc_prod_${key.slice(8, 12)}…${key.slice(-4)}`);
    expect(keyHint('not a key')).toBe('vc_…');
  });
});
