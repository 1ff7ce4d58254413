// PII evasion (issue 13 item 6): invisible characters, other-script digits, card separators, '@' escapes, split parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_CARD_PREFIXES, withLuhn } from './corpus.js';
import { compilePii, scanTextExhaustive } from './scanner.js';
import type { PiiFinding } from './types.js';

/** Format and default-ignorable characters an evader can slip between digits or letters. */
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u202a', '\u202c', '\u2066', '\u2069', '\u034f', '\ufe0f', '\u{e0020}', '\u061c'];
/** Zeros of decimal digit runs: ASCII, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai, full-width, mathematical bold and monospace, Adlam. */
const ZEROS = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xff10, 0x1d7ce, 0x1d7f6, 0x1e950];

const invisible = fc.constantFrom(...INVISIBLE);
const script = fc.constantFrom(...ZEROS);

/** Writes ASCII digits of `text` in the script whose zero is `zero`. */
function inScript(text: string, zero: number): string {
  return text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
}

/** Inserts invisible characters after the given positions (code point boundaries only). */
function sprinkle(text: string, marks: Array<[number, string]>): string {
  const chars = Array.from(text);
  for (const [at, ch] of [...marks].sort((a, b) => b[0] - a[0])) chars.splice(at % (chars.length + 1), 0, ch);
  return chars.join('');
}

const marks = fc.array(fc.tuple(fc.nat(), invisible), { maxLength: 6 });

const cardDigits = fc.tuple(fc.constantFrom(...SAMPLE_CARD_PREFIXES.filter((p) => !p.startsWith('3'))), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }))
  .map(([prefix, rest]) => withLuhn((prefix + rest.join('')).slice(0, 15)));
const separator = fc.array(fc.constantFrom(' ', '-', '.', '/', '_'), { minLength: 1, maxLength: 3 }).map((s) => s.join(''));

/** The finding of `detector` covering [start, end) of the text, if any. */
function covers(findings: PiiFinding[], detector: string, start: number, end: number): boolean {
  return findings.some((f) => f.detector === detector && f.start <= start && f.end >= end);
}

const INVISIBLE_RE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** Where `needle` sits in `text`, from its first to its last visible character. */
function spanOf(text: string, needle: string): [number, number] {
  const chars = Array.from(needle);
  let head = 0;
  while (head < chars.length && INVISIBLE_RE.test(chars[head]!)) head++;
  let tail = chars.length;
  while (tail > head && INVISIBLE_RE.test(chars[tail - 1]!)) tail--;
  const start = text.indexOf(needle) + chars.slice(0, head).join('').length;
  return [start, start + chars.slice(head, tail).join('').length];
}

describe('evasion classes are caught (generated)', () => {
  const scanner = compilePii();

  it('cards: any separator run, any script\'s digits, invisible characters anywhere inside', () => {
    fc.assert(fc.property(cardDigits, separator, script, marks, fc.string({ maxLength: 10 }), (digits, sep, zero, where, prefix) => {
      const groups = digits.match(/.{4}/g)!.join(sep);
      const number = sprinkle(inScript(groups, zero), where);
      const text = `pay ${prefix.replace(/[\p{N}\p{Cf}]/gu, '')} : ${number} ok`;
      const [start, end] = spanOf(text, number);
      expect(covers(scanner.scanText(text), 'credit_card', start, end)).toBe(true);
    }), { numRuns: 400 });
  });

  it('emails: invisible characters, %40, &#64; and &#x40; (leading zeros, either case) and &commat;', () => {
    const at = fc.constantFrom('@', '%40', '&#64;', '&#064;', '&#x40;', '&#X0040;', '&commat;', '＠', '％４０', '%４0');
    const label = fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/);
    const tld = fc.stringMatching(/^[a-z]{2,5}$/).filter((t) => !['png', 'jpg', 'gif', 'svg', 'ico', 'bmp', 'tif', 'webp', 'avif', 'heic', 'jpeg', 'tiff'].includes(t));
    fc.assert(fc.property(label, label, tld, at, marks, (user, host, top, sign, where) => {
      const address = sprinkle(`${user}.x${sign}${host}.${top}`, where);
      const text = `write to ${address} today`;
      expect(covers(scanner.scanText(text), 'email', ...spanOf(text, address))).toBe(true);
    }), { numRuns: 300 });
  });

  it('SSNs and phone numbers: invisible characters and other-script digits', () => {
    const ssn = fc.constantFrom('536-22-1234', '219-09-9998', '078-05-1121', '456 78 9012');
    const phone = fc.constantFrom('+44 20 7946 0958', '+1 415 555 2671', '+49 30 901820', '(415) 555-2671');
    fc.assert(fc.property(ssn, phone, script, script, marks, marks, (s, p, z1, z2, w1, w2) => {
      const ssnText = sprinkle(inScript(s, z1), w1);
      const phoneText = sprinkle(inScript(p, z2), w2);
      const text = `my SSN ${ssnText} and call ${phoneText}.`;
      const findings = scanner.scanText(text);
      expect(covers(findings, 'ssn', ...spanOf(text, ssnText))).toBe(true);
      // libphonenumber may leave out a leading '(' of the area code.
      const [ps, pe] = spanOf(text, phoneText);
      expect(findings.some((f) => f.detector === 'phone' && f.start <= ps + 1 && f.end >= pe)).toBe(true);
    }), { numRuns: 300 });
  });

  it('a number split across two content parts of one message is found, in prompts and in answers, and redacted in both parts', () => {
    const redactor = compilePii({ action: 'redact' });
    fc.assert(fc.property(cardDigits, fc.integer({ min: 1, max: 18 }), fc.string({ maxLength: 8 }), (digits, cut, filler) => {
      const number = digits.match(/.{4}/g)!.join(' ');
      const head = `card ${number.slice(0, cut)}`;
      const tail = `${number.slice(cut)} ${filler.replace(/\p{N}/gu, '')}`;
      const prompt = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: head }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }, { type: 'text', text: tail }] }] };
      // At least one: a head that is itself a valid shorter card number counts on its own too.
      const verdict = scanner.inspect(prompt);
      expect(verdict.action).toBe('bypass');
      expect(verdict.counts.credit_card).toBeGreaterThanOrEqual(1);
      const answer = { choices: [{ message: { role: 'assistant', content: [{ type: 'output_text', text: head }, { type: 'output_text', text: tail }] } }] };
      expect(scanner.inspect(answer).action).not.toBe('none');
      const redacted = redactor.inspect(prompt);
      expect(redacted.action).toBe('redact');
      const parts = (redacted.body as typeof prompt).messages[0]!.content;
      const seen = `${parts[0]!.text ?? ''}|${parts[2]!.text ?? ''}`;
      // No digit of the card is left in either part.
      expect(seen.replace(/\[CREDIT_CARD_\d+\]/g, '')).not.toMatch(/\d/);
    }), { numRuns: 200 });
  });

  it('answers (choices[].message.content) carrying evasions are not clean', () => {
    fc.assert(fc.property(cardDigits, script, marks, (digits, zero, where) => {
      const content = `Your card is ${sprinkle(inScript(digits, zero), where)}.`;
      expect(scanner.inspect({ choices: [{ message: { role: 'assistant', content } }] }).counts.credit_card).toBe(1);
    }), { numRuns: 200 });
  });
});

describe('offsets stay those of the original', () => {
  it('redaction replaces exactly the evasive span (invisible characters inside it included)', () => {
    const redactor = compilePii({ action: 'redact' });
    fc.assert(fc.property(cardDigits, script, marks, fc.string({ maxLength: 12 }), (digits, zero, where, around) => {
      const clean = around.replace(/[\p{N}\p{Cf}\p{Default_Ignorable_Code_Point}@%&]/gu, '').replace(/[\ud800-\udfff]/g, '');
      const number = sprinkle(inScript(digits, zero), where);
      const verdict = redactor.inspect({ content: `${clean} ${number} ${clean}` });
      // Invisible characters before the first or after the last digit are not part of the number.
      const content = (verdict.body as { content: string }).content.replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '');
      expect(content).toBe(`${clean} [CREDIT_CARD_1] ${clean}`);
    }), { numRuns: 300 });
  });
});

describe('the pre-pass still loses nothing with folding that changes lengths', () => {
  it('scanText equals a full scan by every detector on text full of invisible characters, other digits and escapes', () => {
    const units = ['0', '4', '1', '5', ' ', '-', '.', '/', '_', '@', '%', '40', '&#64;', '&#x40;', '&commat;', '&', '#', ';', 'a', 'jane', '.com', 'SSN ', '+44', '٤', '४', '𝟒', '𝟎', ...INVISIBLE, '\ud800', '\udc00'];
    const textArb = fc.array(fc.constantFrom(...units), { maxLength: 60 }).map((parts) => parts.join(''));
    const scanner = compilePii();
    fc.assert(fc.property(textArb, (text) => {
      expect(scanner.scanText(text)).toEqual(scanTextExhaustive(text));
    }), { numRuns: 1500 });
  });
});
