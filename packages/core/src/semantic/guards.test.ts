// False-hit guards: signatures keep literals, negation and entities; eligibility refuses what must never match semantically.
import { describe, expect, it } from 'vitest';
import { lastUserMessageText, sameSignature, withoutLastUserMessage, semanticEligibility, semanticSignature, semanticStorable, signatureKey } from './guards.js';

const same = (a: string, b: string) => sameSignature(semanticSignature(a), semanticSignature(b));

describe('semanticSignature', () => {
  it('keeps numbers, in order, with number words and thousands separators canonical', () => {
    expect(semanticSignature('What is 15% of 1,200?').literals).toBe('n:15\u001fn:1200');
    expect(same('What is 15 percent of 200?', 'Calculate 15% of 200.')).toBe(true);
    expect(same('What is 15 percent of 200?', 'What is 15 percent of 300?')).toBe(false);
    expect(same('What is 12 minus 8?', 'What is 8 minus 12?')).toBe(false);
    expect(same('I have five apples', 'I have 5 apples')).toBe(true);
    expect(same('I have five apples', 'I have six apples')).toBe(false);
  });

  it('keeps code spans, quoted strings, URLs, e-mail-like tokens, paths and identifiers', () => {
    const sig = semanticSignature('Why does `npm install` fail for "EACCES" at https://Example.com/a?b=1 when mail@x.io edits /etc/nginx/nginx.conf in my_app with forEach?');
    expect(sig.literals.split('\u001f')).toEqual([
      'c:npm install', 'e:mail@x.io', 'i:my_app', 'i:forEach', 'p:/etc/nginx/nginx.conf', 'q:EACCES', 'u:https://example.com/a?b=1',
    ]);
    // Order counts within a kind, not across kinds.
    expect(same('What does `map` do in JavaScript?', 'In JavaScript, what does `map` do?')).toBe(true);
    expect(same('Explain `map` on arrays', 'Explain `filter` on arrays')).toBe(false);
    expect(same('Open https://a.example/x', 'Open https://a.example/y')).toBe(false);
    expect(same('What does JSON.parse do?', 'What does JSON.stringify do?')).toBe(false);
    expect(same('Rename user_id please', 'Rename userId please')).toBe(false);
  });

  it('keeps letter-and-digit codes (models, versions, product codes), case-insensitively', () => {
    expect(semanticSignature('Does the XR750 support python3 and IPv6?').literals).toBe('a:xr750\u001fa:python3\u001fa:ipv6');
    expect(same('How do I reset my xr750 router?', 'How do I reset my xr751 router?')).toBe(false);
    expect(same('Install python3 on Debian', 'Install python2 on Debian')).toBe(false);
    expect(same('How do I reset my XR750 router?', 'how can i reset my xr750 router')).toBe(true);
    // A code as part of a longer identifier or a number with a unit stays what it was.
    expect(semanticSignature('Rename my_app2 to app').literals).toBe('i:my_app2');
    expect(semanticSignature('A 4k screen').literals).toBe('n:4k');
  });

  it('flags a negation on one side only', () => {
    expect(semanticSignature("Why doesn't my code compile?").negated).toBe(true);
    expect(semanticSignature('Bread without yeast').negated).toBe(true);
    expect(semanticSignature('Why does my code compile?').negated).toBe(false);
    expect(same('Can I take ibuprofen with alcohol?', 'Why can I not take ibuprofen with alcohol?')).toBe(false);
    expect(same('Is it not safe?', "Isn't it safe?")).toBe(true);
  });

  it('compares capitalised names (not at a sentence start) and acronyms, in order', () => {
    expect(semanticSignature('Flights from New York to Paris. Which is cheaper?').entities).toBe('new york\u001fparis');
    expect(same('What is the capital of France?', 'What is the capital of Germany?')).toBe(false);
    expect(same('Travel from Paris to London', 'Travel from London to Paris')).toBe(false);
    expect(same('Do I need a visa as a US citizen?', 'Do I need a visa as a UK citizen?')).toBe(false);
    expect(same('What is the capital of France?', 'Tell me the capital city of France.')).toBe(true);
    expect(same('What is the capital of France?', "What is France's capital?")).toBe(true);
    // Sentence-initial capitals are grammar, not names.
    expect(same('How do I boil an egg?', 'Boiling an egg: how long? What time?')).toBe(true);
  });

  it('lets each guard be switched off', () => {
    const off = { literals: false, negation: false, entities: false };
    expect(semanticSignature("Don't fly 3 times from Paris to Rome", off)).toEqual({ literals: '', negated: false, entities: '' });
    expect(semanticSignature("Don't fly 3 times from Paris to Rome", { entities: false }).literals).toBe('n:3');
  });

  it('gives one versioned canonical string to key, different for different signatures', () => {
    const a = signatureKey(semanticSignature('Is 97 a prime number?'));
    expect(a.startsWith('sig1')).toBe(true);
    expect(a).toBe(signatureKey(semanticSignature('Is the number 97 prime?')));
    expect(a).not.toBe(signatureKey(semanticSignature('Is 91 a prime number?')));
    expect(a).not.toBe(signatureKey(semanticSignature('Is 97 not a prime number?')));
  });
});

const chat = (content: unknown, extra: object = {}, role = 'user') => ({ model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role, content }], ...extra });

describe('lastUserMessageText and semanticEligibility', () => {
  it('takes the text of the last user message, string or text parts', () => {
    expect(lastUserMessageText(chat('How tall is Mont Blanc?'))).toBe('How tall is Mont Blanc?');
    expect(lastUserMessageText(chat([{ type: 'text', text: 'How tall' }, { type: 'text', text: 'is it?' }]))).toBe('How tall\nis it?');
    expect(lastUserMessageText(chat([{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'x' } }]))).toBeUndefined();
    expect(lastUserMessageText(chat('Sure.', {}, 'assistant'))).toBeUndefined();
    expect(lastUserMessageText({ messages: 'nope' })).toBeUndefined();
    expect(lastUserMessageText(null)).toBeUndefined();
  });

  it('refuses short, tool-result, multi-choice, logprobs, non-text and over-long requests', () => {
    expect(semanticEligibility(chat('  How tall is Mont Blanc?  '))).toEqual({ eligible: true, text: 'How tall is Mont Blanc?' });
    expect(semanticEligibility(chat(''))).toEqual({ eligible: false, reason: 'too_short' });
    expect(semanticEligibility(chat('hi there'))).toEqual({ eligible: false, reason: 'too_short' });
    expect(semanticEligibility(chat('a b c'))).toEqual({ eligible: false, reason: 'too_short' });
    expect(semanticEligibility(chat('{"temp": 21}', {}, 'tool'))).toEqual({ eligible: false, reason: 'tool_turn' });
    expect(semanticEligibility(chat('{"temp": 21}', {}, 'function'))).toEqual({ eligible: false, reason: 'tool_turn' });
    expect(semanticEligibility(chat('How tall is Mont Blanc?', { n: 2 }))).toEqual({ eligible: false, reason: 'n_gt_1' });
    expect(semanticEligibility(chat('How tall is Mont Blanc?', { logprobs: true }))).toEqual({ eligible: false, reason: 'logprobs' });
    expect(semanticEligibility(chat('How tall is Mont Blanc?', { top_logprobs: 3 }))).toEqual({ eligible: false, reason: 'logprobs' });
    expect(semanticEligibility(chat([{ type: 'image_url', image_url: { url: 'x' } }]))).toEqual({ eligible: false, reason: 'non_text_content' });
    expect(semanticEligibility(chat('word '.repeat(1000)))).toEqual({ eligible: false, reason: 'too_long' });
    expect(semanticEligibility({ messages: [] })).toEqual({ eligible: false, reason: 'no_user_message' });
    expect(semanticEligibility(chat('How tall is it?', {}, 'assistant'))).toEqual({ eligible: false, reason: 'no_user_message' });
    expect(semanticEligibility(chat('How tall is it?'), { minWords: 5 })).toEqual({ eligible: false, reason: 'too_short' });
  });

  it('strips only the last user message text for the partition', () => {
    const a = chat('How tall is Mont Blanc?', { temperature: 0 });
    const b = chat('What is the height of Mont Blanc?', { temperature: 0 });
    expect(withoutLastUserMessage(a)).toEqual(withoutLastUserMessage(b));
    expect(withoutLastUserMessage(a)).not.toEqual(withoutLastUserMessage(chat('How tall is Mont Blanc?', { temperature: 1 })));
    expect((withoutLastUserMessage(a) as { messages: unknown[] }).messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(a.messages[1]?.content).toBe('How tall is Mont Blanc?');
    const tool = chat('{}', {}, 'tool');
    expect(withoutLastUserMessage(tool)).toBe(tool);
  });

  it('refuses to index answers cut by the token limit', () => {
    expect(semanticStorable({ choices: [{ finish_reason: 'stop' }] })).toBe(true);
    expect(semanticStorable({ choices: [{ finish_reason: 'length' }] })).toBe(false);
    expect(semanticStorable({ choices: [] })).toBe(false);
  });
});
