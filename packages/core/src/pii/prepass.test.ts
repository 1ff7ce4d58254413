// Tests of the fast path: pre-pass hints lose nothing (differential), folding buffers, re-entrancy, the phone budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORPUS } from './corpus.js';
import { fold } from './fold.js';
import { PHONE_CHECK_FLOOR as PHONE_CHECK_BUDGET } from './hints.js';
import { compilePii, scanTextExhaustive } from './scanner.js';
import type { PiiScanner } from './types.js';
import { SECRET_PREFIXES } from './secret.js';

/** Fragments that exercise every detector and the places where hints start and stop. */
const FRAGMENTS = [
  ...CORPUS.map((e) => e.text),
  '4111 1111 1111 1111',
  '5555-5555-5555-4444',
  'DE89 3704 0044 0532 0130 00',
  'gb82west12345698765432',
  '536-22-1234',
  'SSN 536221234',
  '+44 20 7946 0958',
  '(415) 555-2671',
  'call 4155552671',
  'jane.doe+tag@mail.example.co.uk',
  'sk-',
  'sk_live_',
  'eyJ',
  'ghp_',
  'AKIA',
  'xoxb-',
  'vc_live_',
  '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
  '４',
  '\u00a0',
  '\u2013',
  'é',
  '\ufeff',
];
const ALPHABET = '0123456789 -./()+@:_abcxyzDEGBsk４\u00a0\u2009'.split('');
const pieceArb = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const textArb = fc.array(fc.tuple(pieceArb, fc.constantFrom('', ' ', '\n', ', ', '-', 'x')), { maxLength: 8 }).map((parts) => parts.map(([p, s]) => p + s).join(''));

describe('PII pre-pass', () => {
  it('finds exactly what a full scan by every detector finds (corpus and random text)', () => {
    const scanner = compilePii();
    for (const entry of CORPUS) expect(scanner.scanText(entry.text)).toEqual(scanTextExhaustive(entry.text));
    fc.assert(
      fc.property(textArb, (text) => {
        expect(scanner.scanText(text)).toEqual(scanTextExhaustive(text));
      }),
      { numRuns: 800 },
    );
  });

  it('declares secret prefixes of at least two ASCII characters', () => {
    expect(SECRET_PREFIXES.length).toBeGreaterThan(10);
    for (const prefix of SECRET_PREFIXES) expect(prefix).toMatch(/^[\x21-\x7e]{2,}$/);
  });

  it('folds into reused buffers without corrupting earlier results, keeping every offset', () => {
    const a = fold('\ufeff４１\u00a0x');
    const b = fold('\u2013é\ud800\u3000');
    const c = fold('９'.repeat(5000));
    expect(a).toBe('41 x');
    expect(b).toBe('-é\ud800 ');
    expect(c).toBe('9'.repeat(5000));
    expect(fold('plain ascii')).toBe('plain ascii');
  });

  it('survives a custom detector that scans and inspects with the same scanner', () => {
    let scanner: PiiScanner | undefined;
    let nested = 0;
    scanner = compilePii({
      custom: [
        {
          name: 'nested',
          test: () => {
            // One level deep: the inner calls run this detector too.
            if (nested > 0) return [];
            nested++;
            try {
              expect(scanner?.scanText('mail a@b.co or 4111 1111 1111 1111 and 536-22-1234').map((f) => f.detector)).toEqual(['email', 'credit_card', 'ssn']);
              expect(scanner?.inspect({ note: 'DE89 3704 0044 0532 0130 00' }).counts).toEqual({ iban: 1 });
            } finally {
              nested--;
            }
            return [];
          },
        },
      ],
    });
    const text = 'jane@example.com paid with 5555 5555 5555 4444, call (415) 555-2671';
    const plain = compilePii().scanText(text);
    expect(plain.map((f) => f.detector)).toEqual(['email', 'credit_card', 'phone']);
    expect(scanner.scanText(text)).toEqual(plain);
    expect(scanner.inspect({ messages: [{ content: text }] })).toEqual({ action: 'bypass', counts: { email: 1, credit_card: 1, phone: 1 } });
  });

  it('routes a body packed with distinct phone-shaped numbers direct instead of validating them all', () => {
    const numbers = Array.from({ length: PHONE_CHECK_BUDGET }, (_, i) => `${200 + (i % 700)}-${1000 + i * 7}`);
    const text = numbers.join(', ');
    const scanner = compilePii();
    const t0 = performance.now();
    const verdict = scanner.inspect({ messages: [{ role: 'user', content: text }] });
    const ms = performance.now() - t0;
    expect(verdict).toEqual({ action: 'too_large', counts: {}, unscanned: 'phone_budget' });
    // Fail closed for plain scans: candidates past the budget count as phone numbers.
    const findings = scanner.scanText(text);
    expect(findings.filter((f) => f.detector === 'phone').length).toBeGreaterThan(PHONE_CHECK_BUDGET / 5);
    // Generous: unbounded validation of this body takes seconds on a loaded machine.
    expect(ms).toBeLessThan(1500);
    // Within the budget nothing changes, and a later call gets a fresh budget.
    expect(scanner.inspect({ messages: [{ content: 'call (415) 555-2671 or 020 7946 0958' }] })).toEqual({ action: 'bypass', counts: { phone: 2 } });
  });

  it('validates a repeated number once per call', () => {
    const text = 'call (415) 555-2671; '.repeat(PHONE_CHECK_BUDGET * 2);
    const verdict = compilePii().inspect({ content: text });
    expect(verdict).toEqual({ action: 'bypass', counts: { phone: PHONE_CHECK_BUDGET * 2 } });
  });
});
