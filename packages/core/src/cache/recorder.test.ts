// The JSON side of the response recorder: what complete() receives for strings, buffers, encodings and the byte bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CacheTicket, CapturedResponse } from '../contract.js';
import { ResponseRecorder } from './recorder.js';

function recorder(maxEntryBytes: number) {
  const completed: CapturedResponse[] = [];
  const r = new ResponseRecorder({
    ticket: { key: 't:k' } as CacheTicket,
    maxEntryBytes,
    complete: (_t, response) => { completed.push(response); return { stored: true, done: Promise.resolve() }; },
    rejected: () => undefined,
  });
  r.head(200, { 'content-type': 'application/json' });
  return { r, completed };
}

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));

describe('ResponseRecorder (JSON answers)', () => {
  it('hands complete() exactly the bytes written, whatever mix of strings, encodings and buffers they came in', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('string', 'utf8', 'buffer', 'latin1-safe')), { minLength: 1, maxLength: 6 }), (parts) => {
        const { r, completed } = recorder(1 << 20);
        let expected = '';
        for (const [s, how] of parts) {
          if (how === 'string') r.chunk(s);
          else if (how === 'utf8') r.chunk(s, 'utf8');
          else if (how === 'buffer') r.chunk(Buffer.from(s, 'utf8'));
          else {
            const ascii = s.replace(/[^\x20-\x7e]/g, 'x');
            r.chunk(ascii, 'latin1');
            expected += ascii;
            continue;
          }
          expected += s;
        }
        r.end();
        expect(completed).toHaveLength(1);
        expect(text(completed[0]!.body)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a single string answer as the same string (no encode and decode round trip)', () => {
    const { r, completed } = recorder(1 << 20);
    const answer = JSON.stringify({ choices: [{ message: { content: 'héllo €' } }] });
    r.chunk(answer);
    r.end();
    expect(completed[0]!.body).toBe(answer);
  });

  it('counts the bound in UTF-8 bytes, not characters: a string one byte over is not completed', () => {
    const euro = '€'.repeat(10); // 30 bytes in UTF-8
    const fits = recorder(30);
    fits.r.chunk(euro);
    fits.r.end();
    expect(fits.completed).toHaveLength(1);
    const over = recorder(29);
    over.r.chunk(euro);
    over.r.end();
    expect(over.completed).toHaveLength(0);
  });
});
