// Property tests (fast-check): embedded cards are found, arbitrary Unicode never throws, redaction leaves nothing behind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasIssuerPrefix, luhnValid } from './credit-card.js';
import { SAMPLE_CARD_PREFIXES, withLuhn } from './corpus.js';
import { compilePii, scanPii } from './scanner.js';

const LENGTHS: Record<string, number[]> = { '34': [15], '37': [15], '300': [14, 16], '36': [14, 16] };

/** A Luhn-valid number of a known issuer: prefix, random digits, check digit. */
const cardArb = fc
  .constantFrom(...SAMPLE_CARD_PREFIXES)
  .chain((prefix) =>
    fc.constantFrom(...(LENGTHS[prefix] ?? (prefix === '4' ? [13, 16, 19] : [16]))).chain((length) =>
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - prefix.length - 1, maxLength: length - prefix.length - 1 }).map((ds) => withLuhn(prefix + ds.join(''))),
    ),
  );

/** Text that cannot glue digits onto the card: no digits at its edges. */
const noDigitEdge = fc.string({ maxLength: 40 }).map((s) => s.replace(/[0-9０-９]/g, 'x'));
const separatorArb = fc.constantFrom('', ' ', '-', '\u00a0', '\u2009', '\u202f');

function format(card: string, sep: string, size: number): string {
  if (sep === '') return card;
  const parts: string[] = [];
  for (let i = 0; i < card.length; i += size) parts.push(card.slice(i, i + size));
  return parts.join(sep);
}

describe('PII properties', () => {
  it('finds any Luhn-valid card of a known issuer embedded in random text', () => {
    fc.assert(
      fc.property(cardArb, noDigitEdge, noDigitEdge, separatorArb, fc.constantFrom(4, 5, 6), fc.boolean(), (card, before, after, sep, size, wide) => {
        expect(luhnValid(card) && hasIssuerPrefix(card)).toBe(true);
        let formatted = format(card, sep, size);
        if (wide) formatted = formatted.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
        // Keep neighbouring text from continuing a group ("-" or space right before/after the card).
        const text = `${before} ${formatted} ${after}`;
        const start = before.length + 1;
        const findings = scanPii(text).filter((f) => f.detector === 'credit_card' || f.detector === 'secret');
        expect(findings.some((f) => f.start <= start && f.end >= start + formatted.length)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary Unicode and reports sane offsets', () => {
    const scanner = compilePii({ custom: [{ name: 'ticket', pattern: 'T-[0-9]{4}' }] });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: fc.constantFrom(...'0123456789 -.+()@abcxyz_４\u00a0'.split('')), maxLength: 300 })), (text) => {
        const findings = scanner.scanText(text);
        let lastEnd = 0;
        for (const f of findings) {
          expect(f.start).toBeGreaterThanOrEqual(lastEnd);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(text.length);
          lastEnd = f.end;
        }
        expect(scanner.inspect({ messages: [{ role: 'user', content: text }] }).action).toMatch(/^(none|bypass)$/);
      }),
      { numRuns: 400 },
    );
  });

  it('redaction never leaves a detected value in the output', () => {
    const scanner = compilePii({ action: 'redact' });
    const piiArb = fc.oneof(
      cardArb,
      fc.constantFrom('jane.doe@example.com', 'x+y@mail.example.org', '+44 20 7946 0958', '(415) 555-2671', 'SSN 536-22-1234', 'DE89 3704 0044 0532 0130 00'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(noDigitEdge, piiArb), { minLength: 1, maxLength: 4 }), (pieces) => {
        const text = pieces.map(([t, p]) => `${t} ${p} `).join('');
        const detected = scanner.scanText(text).map((f) => text.slice(f.start, f.end));
        const verdict = scanner.inspect({ messages: [{ role: 'user', content: text }] });
        expect(verdict.action).toBe('redact');
        const out = JSON.stringify(verdict.body);
        for (const value of detected) expect(out.includes(value)).toBe(false);
        expect(out).toMatch(/\[(CREDIT_CARD|EMAIL|PHONE|SSN|IBAN)_1\]/);
      }),
      { numRuns: 200 },
    );
  });
});
