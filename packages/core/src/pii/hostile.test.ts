// Hostile-input test: adversarial strings that make naive regexes backtrack must scan quickly.
import { describe, expect, it } from 'vitest';
import { compilePii } from './scanner.js';

export const HOSTILE: Array<[string, string]> = [
  ["'a.'.repeat(50000)", 'a.'.repeat(50000)],
  ["'a@' + 'a-'.repeat(50000)", 'a@' + 'a-'.repeat(50000)],
  ["'-a'.repeat(50000) + '@'", '-a'.repeat(50000) + '@'],
  ["'1'.repeat(100000)", '1'.repeat(100000)],
  ["'1 '.repeat(50000)", '1 '.repeat(50000)],
  ["'4 '.repeat(50000)", '4 '.repeat(50000)],
  ["'41-'.repeat(33333)", '41-'.repeat(33333)],
  ["'-'.repeat(100000)", '-'.repeat(100000)],
  ["'@'.repeat(100000)", '@'.repeat(100000)],
  ["'a@a.'.repeat(25000)", 'a@a.'.repeat(25000)],
  ["'４'.repeat(100000) (full-width)", '４'.repeat(100000)],
  ["'４\\u00a0'.repeat(50000)", '４\u00a0'.repeat(50000)],
  ["'+1 (415) '.repeat(12500)", '+1 (415) '.repeat(12500)],
  ["'eyJ'.repeat(33333)", 'eyJ'.repeat(33333)],
  ["'eyJa.'.repeat(20000)", 'eyJa.'.repeat(20000)],
  ["'sk-' + 'a'.repeat(100000)", 'sk-' + 'a'.repeat(100000)],
  ["'DE89 '.repeat(20000)", 'DE89 '.repeat(20000)],
  ["'-----BEGIN '.repeat(9000)", '-----BEGIN '.repeat(9000)],
  // Dense real-looking values: each one reaches a validator (libphonenumber, ibantools, TLD checks).
  ['10000 distinct phone-shaped numbers', Array.from({ length: 10000 }, (_, i) => `${200 + (i % 700)}-${1000 + ((i * 7) % 9000)}`).join(', ')],
  ["'(415) 555-2671; '.repeat(6000)", '(415) 555-2671; '.repeat(6000)],
  ["'DE89 3704 0044 0532 0130 00, '.repeat(3500)", 'DE89 3704 0044 0532 0130 00, '.repeat(3500)],
  ["'a@b.co '.repeat(14000)", 'a@b.co '.repeat(14000)],
  ["'536-22-1234 '.repeat(8000)", '536-22-1234 '.repeat(8000)],
  // Folding that changes lengths: removed characters, astral digits, '@' escapes.
  ["'\\u200b'.repeat(100000)", '\u200b'.repeat(100000)],
  ["'4\\u200b'.repeat(50000)", '4\u200b'.repeat(50000)],
  ["'𝟒'.repeat(50000) (astral digits)", '𝟒'.repeat(50000)],
  ["'٤ '.repeat(50000)", '٤ '.repeat(50000)],
  ["'%40'.repeat(33333)", '%40'.repeat(33333)],
  ["'a&#64;'.repeat(16000)", 'a&#64;'.repeat(16000)],
  ["'&'.repeat(100000)", '&'.repeat(100000)],
  ["'a%40b.co '.repeat(11000)", 'a%40b.co '.repeat(11000)],
  ["'4111.1111.1111.1111 '.repeat(5000)", '4111.1111.1111.1111 '.repeat(5000)],
];

describe('hostile inputs', () => {
  const scanner = compilePii({ custom: [{ name: 'employee_id', pattern: /EMP-\d{6}/ }] });
  for (const [label, text] of HOSTILE) {
    it(`scans ${label} (${text.length} chars) in bounded time`, () => {
      const t0 = performance.now();
      const findings = scanner.scanText(text);
      const ms = performance.now() - t0;
      console.log(`hostile ${label}: ${ms.toFixed(1)} ms, ${findings.length} findings`);
      expect(Array.isArray(findings)).toBe(true);
      // Generous bound: CI noise must not fail this; a quadratic scan takes far longer.
      expect(ms).toBeLessThan(2000);
    });
  }
});
