// Tests of compilePii: body walking, action precedence, redaction, size cap, extract, custom detectors, option errors.
import { describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../errors.js';
import { catastrophicReason } from './custom.js';
import { compilePii, scanPii } from './scanner.js';

const chatBody = () => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: [{ type: 'text', text: 'Mail jane@example.com or jane@example.com' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
    { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'pay', arguments: '{"card":"4111 1111 1111 1111","to":"bob@example.org"}' } }] },
  ],
  context: { documents: ['Customer phone: +44 20 7946 0958'] },
});

describe('compilePii().inspect', () => {
  it('walks nested messages, content parts, tool call arguments and context', () => {
    const verdict = compilePii().inspect(chatBody());
    expect(verdict).toEqual({ action: 'bypass', counts: { email: 3, credit_card: 1, phone: 1 } });
  });

  it('returns none for a clean body and ignores non-JSON values', () => {
    expect(compilePii().inspect({ messages: [{ role: 'user', content: 'Hello there, version 1.2.3' }], n: 3, ok: true, nothing: null })).toEqual({ action: 'none', counts: {} });
    expect(compilePii().inspect(undefined)).toEqual({ action: 'none', counts: {} });
  });

  it('scans object keys and numbers too', () => {
    expect(compilePii().inspect({ 'jane@example.com': true }).counts).toEqual({ email: 1 });
    expect(compilePii().inspect({ card: 4111111111111111 }).counts).toEqual({ credit_card: 1 });
  });

  it('applies action precedence block > bypass > redact', () => {
    const body = { text: 'jane@example.com, 4111 1111 1111 1111, SSN 536-22-1234' };
    expect(compilePii({ action: 'redact', detectors: { credit_card: { action: 'block' } } }).inspect(body).action).toBe('block');
    expect(compilePii({ action: 'redact', detectors: { ssn: { action: 'bypass' } } }).inspect(body).action).toBe('bypass');
    expect(compilePii({ action: 'block', detectors: { email: { action: 'redact' } } }).inspect(body).action).toBe('block');
    const redacted = compilePii({ action: 'redact' }).inspect(body);
    expect(redacted.action).toBe('redact');
    expect(redacted.body).toEqual({ text: '[EMAIL_1], [CREDIT_CARD_1], SSN [SSN_1]' });
  });

  it('disables a detector with false', () => {
    expect(compilePii({ detectors: { email: false } }).inspect({ t: 'jane@example.com' }).action).toBe('none');
  });

  it('redacts a deep copy with per-detector numbering and never mutates the original', () => {
    const body = chatBody();
    const before = JSON.stringify(body);
    const verdict = compilePii({ action: 'redact' }).inspect(body);
    expect(JSON.stringify(body)).toBe(before);
    expect(verdict.action).toBe('redact');
    const out = verdict.body as ReturnType<typeof chatBody>;
    expect(out).not.toBe(body);
    expect((out.messages[1]!.content as Array<{ text?: string }>)[0]!.text).toBe('Mail [EMAIL_1] or [EMAIL_1]');
    expect(out.messages[2]!.tool_calls![0]!.function.arguments).toBe('{"card":"[CREDIT_CARD_1]","to":"[EMAIL_2]"}');
    expect(out.context.documents[0]).toBe('Customer phone: [PHONE_1]');
    expect(out.model).toBe('gpt-4o');
    expect(out.messages[1]!.content).not.toBe(body.messages[1]!.content);
  });

  it('redacts keys in place, keeping key order', () => {
    const verdict = compilePii({ action: 'redact' }).inspect({ a: 1, 'jane@example.com': 2, z: 3 });
    expect(Object.keys(verdict.body as object)).toEqual(['a', '[EMAIL_1]', 'z']);
  });

  it('returns too_large beyond maxScanChars without scanning', () => {
    const scanner = compilePii({ maxScanChars: 100 });
    expect(scanner.inspect({ a: 'x'.repeat(60), b: 'y'.repeat(60) })).toEqual({ action: 'too_large', counts: {}, unscanned: 'scan_size' });
    expect(scanner.inspect({ a: 'x'.repeat(60) }).action).toBe('none');
  });

  it('narrows the scan with extract but redacts the whole body', () => {
    const scanner = compilePii({ action: 'redact', extract: (body) => (body as { messages: unknown }).messages });
    const body = { messages: [{ content: 'jane@example.com' }], metadata: { owner: 'ops@example.com' } };
    const verdict = scanner.inspect(body);
    expect(verdict.counts).toEqual({ email: 1 });
    expect(verdict.body).toEqual({ messages: [{ content: '[EMAIL_1]' }], metadata: { owner: 'ops@example.com' } });
    const seen: unknown[] = [];
    compilePii({
      extract: (_b, req) => {
        seen.push(req);
        return '';
      },
    }).inspect({}, { id: 7 });
    expect(seen).toEqual([{ id: 7 }]);
  });

  it('handles deep nesting and cycles without overflowing', () => {
    let deep: unknown = 'jane@example.com';
    for (let i = 0; i < 20000; i++) deep = [deep];
    expect(compilePii().inspect(deep).counts).toEqual({ email: 1 });
    const cyclic: Record<string, unknown> = { t: 'jane@example.com' };
    cyclic.self = cyclic;
    expect(compilePii().inspect(cyclic).counts).toEqual({ email: 1 });
  });

  it('redacts a bare string body', () => {
    expect(compilePii({ action: 'redact' }).inspect('write to jane@example.com').body).toBe('write to [EMAIL_1]');
  });
});

describe('custom detectors', () => {
  it('matches string and RegExp patterns (g added), with their own action and placeholder', () => {
    const scanner = compilePii({
      action: 'redact',
      custom: [
        { name: 'employee_id', pattern: 'EMP-[0-9]{6}' },
        { name: 'project_code', pattern: /prj_[a-z]{4}/i, action: 'block' },
      ],
    });
    expect(scanner.scanText('EMP-123456 and EMP-654321').map((f) => f.detector)).toEqual(['employee_id', 'employee_id']);
    expect(scanner.inspect({ t: 'EMP-123456, EMP-123457' }).body).toEqual({ t: '[EMPLOYEE_ID_1], [EMPLOYEE_ID_2]' });
    expect(scanner.inspect({ t: 'PRJ_ABCD' }).action).toBe('block');
  });

  it('accepts a test function and clamps its spans; a throwing function fails closed', () => {
    const scanner = compilePii({
      custom: [
        { name: 'internal', test: (t) => (t.includes('secret-project') ? [{ start: t.indexOf('secret-project'), end: 10_000 }] : []) },
        { name: 'flaky', test: (t) => { if (t.includes('boom')) throw new Error('bug'); return []; } },
      ],
    });
    expect(scanner.scanText('about secret-project')).toEqual([{ detector: 'internal', start: 6, end: 20 }]);
    expect(scanner.scanText('boom')).toEqual([{ detector: 'flaky', start: 0, end: 4 }]);
  });

  it('rejects catastrophic patterns', () => {
    for (const p of ['(a+)+', '(a*)*b', '(?:\\w+\\s?)+$', '((ab)*)+', '(x{2,})*', '([a-z]+)+@', '(a)\\1']) {
      expect(catastrophicReason(p), p).toBeDefined();
      expect(() => compilePii({ custom: [{ name: 'bad', pattern: p }] }), p).toThrow(/pii\.custom\[0\]\.pattern/);
    }
    for (const p of ['EMP-\\d{6}', '(?:foo|bar)-\\d+', '[a-z]+@[a-z]+', '(ab)?c+', '\\((\\d{3})\\)']) expect(catastrophicReason(p), p).toBeUndefined();
  });
});

describe('compilePii options', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ detectors: { emial: false } }, /`pii\.detectors\.emial`.*Did you mean `email`\?/],
    [{ acton: 'block' }, /`pii\.acton`.*Did you mean `action`\?/],
    [{ action: 'blokc' }, /`pii\.action`.*Did you mean `block`\?/],
    [{ detectors: { ssn: { action: 'drop' } } }, /`pii\.detectors\.ssn\.action`/],
    [{ detectors: { ssn: 'yes' } }, /`pii\.detectors\.ssn`/],
    [{ custom: [{ name: 'Bad Name', pattern: 'x' }] }, /`pii\.custom\[0\]\.name`/],
    [{ custom: [{ name: 'email', pattern: 'x' }] }, /`pii\.custom\[0\]\.name`.*clashes/],
    [{ custom: [{ name: 'a_b', pattern: 'x' }, { name: 'a_b', pattern: 'y' }] }, /`pii\.custom\[1\]\.name`/],
    [{ custom: [{ name: 'a_b' }] }, /`pii\.custom\[0\]`/],
    [{ custom: [{ name: 'a_b', pattern: '(' }] }, /`pii\.custom\[0\]\.pattern`.*not a valid/],
    [{ custom: [{ name: 'a_b', pattern: 'x*' }] }, /`pii\.custom\[0\]\.pattern`.*empty string/],
    [{ custom: [{ name: 'a_b', patern: 'x' }] }, /`pii\.custom\[0\]\.patern`.*Did you mean `pattern`\?/],
    [{ phoneRegions: ['XX'] }, /`pii\.phoneRegions\[0\]`/],
    [{ maxScanChars: -1 }, /`pii\.maxScanChars`/],
    [{ extract: 'messages' }, /`pii\.extract`/],
    ['bypass', /`pii`/],
  ];
  for (const [options, message] of cases) {
    it(`rejects ${JSON.stringify(options)}`, () => {
      let error: unknown;
      try {
        compilePii(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(VectorcacheOptionError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('uses the given option name in errors', () => {
    expect(() => compilePii({ detectors: { emial: false } } as never, 'response.pii')).toThrow(/`response\.pii\.detectors\.emial`/);
  });

  it('accepts lower-case phone regions', () => {
    expect(compilePii({ phoneRegions: ['jp'] }).scanText('call 03-1234-5678').map((f) => f.detector)).toEqual(['phone']);
    expect(compilePii({ phoneRegions: ['US'] }).scanText('call 03-1234-5678')).toEqual([]);
  });
});

describe('scanPii', () => {
  it('scans with default options and with given ones (cached per options object)', () => {
    expect(scanPii('jane@example.com')).toEqual([{ detector: 'email', start: 0, end: 16 }]);
    const options = { detectors: { email: false } };
    expect(scanPii('jane@example.com', options)).toEqual([]);
    expect(scanPii('jane@example.com', options)).toEqual([]);
  });

  it('reports offsets in the original string, including full-width input', () => {
    const text = 'カード：４１１１　１１１１　１１１１　１１１１です';
    const [finding] = scanPii(text);
    expect(finding?.detector).toBe('credit_card');
    expect(text.slice(finding!.start, finding!.end)).toBe('４１１１　１１１１　１１１１　１１１１');
  });

  it('merges overlapping findings so redaction covers both', () => {
    const scanner = compilePii({ custom: [{ name: 'mail_domain', pattern: '@example\\.com\\b' }] });
    expect(scanner.scanText('jane@example.com!')).toEqual([{ detector: 'email', start: 0, end: 16 }]);
  });
});
