// Unscannable bodies (issue 13 item 3): block and redact refuse what could not be scanned; budgets scale with the body.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PHONE_CHECK_FLOOR, phoneBudget } from './hints.js';
import { compilePii } from './scanner.js';
import type { PiiAction } from './types.js';

/** `count` distinct phone-shaped numbers (each one costs libphonenumber calls), from `seed`. */
function phoneNumbers(count: number, seed: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const k = seed + i;
    return `${200 + (k % 700)}-${1000 + ((k * 7919) % 9000)}`;
  });
}

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

describe('budgets scale with the body', () => {
  it('a few KB (up to 12 KB of nothing but distinct phone-shaped numbers) never exhausts the phone budget', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1100 }), fc.nat({ max: 100_000 }), fc.constantFrom<PiiAction>('block', 'redact', 'bypass'), (count, seed, action) => {
      const numbers = phoneNumbers(count, seed);
      const at = seed % (numbers.length + 1);
      const content = [...numbers.slice(0, at), `mail ${EMAIL} card ${CARD}`, ...numbers.slice(at)].join(', ');
      expect(content.length).toBeLessThan(13_000);
      const verdict = compilePii({ action }).inspect({ model: 'm', messages: [{ role: 'user', content }] });
      expect(verdict.unscanned).toBeUndefined();
      expect(verdict.action).toBe(action);
      expect(verdict.counts.email).toBe(1);
      expect(verdict.counts.credit_card).toBe(1);
      if (action === 'redact') {
        const text = JSON.stringify(verdict.body);
        expect(text).not.toContain(EMAIL);
        expect(text).not.toContain(CARD);
      }
    }), { numRuns: 12 });
  });

  it('the budget has a floor and grows linearly with the scanned characters', () => {
    fc.assert(fc.property(fc.nat({ max: 50_000_000 }), fc.nat({ max: 1_000_000 }), (chars, more) => {
      const budget = phoneBudget(chars);
      expect(budget).toBeGreaterThanOrEqual(PHONE_CHECK_FLOOR);
      expect(phoneBudget(chars + more)).toBeGreaterThanOrEqual(budget);
      // Past the floor: one libphonenumber call per 32 characters.
      if (chars >= 32 * PHONE_CHECK_FLOOR) expect(Math.abs(budget - chars / 32)).toBeLessThan(1);
    }));
  });

  it('numbers count one character each, so a body within maxScanChars as JSON is never too big to scan', () => {
    const numbers = fc.oneof(fc.constant(1e20), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    fc.assert(fc.property(fc.array(numbers, { maxLength: 400 }), fc.constantFrom<PiiAction>('block', 'bypass'), (list, action) => {
      const body = { model: 'm', values: list };
      const verdict = compilePii({ action, maxScanChars: JSON.stringify(body).length }).inspect(body);
      expect(verdict.unscanned).toBeUndefined();
    }), { numRuns: 200 });
  });
});

describe('what the gate gets for an unscannable body', () => {
  // 30,000 distinct candidates (~300 KB): the budget (~9,600 calls) runs out long before the end.
  const dense = phoneNumbers(30_000, 7).join(', ') + `, mail ${EMAIL}`;

  it('exhausted phone budget: block and redact refuse (block + unscanned), bypass routes direct (too_large)', () => {
    for (const action of ['block', 'redact', 'bypass'] as const) {
      const t0 = performance.now();
      const verdict = compilePii({ action }).inspect({ messages: [{ content: dense }] });
      const ms = performance.now() - t0;
      if (action === 'bypass') expect(verdict).toEqual({ action: 'too_large', counts: {}, unscanned: 'phone_budget' });
      else expect(verdict).toEqual({ action: 'block', counts: {}, unscanned: 'phone_budget' });
      // The budget bounds the work: well under a second on a quiet machine, generous for CI.
      expect(ms).toBeLessThan(5000);
    }
  });

  it('over maxScanChars: refused under block or redact, whatever the detectors, bypass reason otherwise', () => {
    fc.assert(fc.property(fc.string({ minLength: 11, maxLength: 200 }), fc.constantFrom<PiiAction>('block', 'redact', 'bypass'), fc.constantFrom<PiiAction>('block', 'redact', 'bypass'), (text, action, ssn) => {
      const verdict = compilePii({ action, detectors: { ssn: { action: ssn } }, maxScanChars: 10 }).inspect({ content: text });
      const refuses = action !== 'bypass' || ssn !== 'bypass';
      expect(verdict).toEqual(refuses ? { action: 'block', counts: {}, unscanned: 'scan_size' } : { action: 'too_large', counts: {}, unscanned: 'scan_size' });
    }), { numRuns: 100 });
  });
});
