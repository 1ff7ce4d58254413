// Prototype poisoning over HTTP (issue 13 item 4): a redacted "__proto__" member never reaches the handler as a prototype.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { rawRequest } from './raw-http.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
let keys: Keys;
beforeAll(async () => {
  keys = await makeKeys();
});

for (const adapter of ADAPTERS) {
  describe(`__proto__ under pii redact: ${adapter}`, () => {
    let app: App;
    beforeAll(async () => {
      app = await startApp(adapter, baseOptions(keys, { pii: { action: 'redact' } }));
      // The handler answers with what it reads by property access, as real handlers do.
      app.backend.answer = (body) => ({ object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `max_tokens=${String(body.max_tokens)}` }, finish_reason: 'stop' }] });
    });
    afterAll(async () => {
      await app.close();
    });

    const post = (text: string) => rawRequest(app.url, {
      method: 'POST', path: '/v1/chat/completions',
      headers: [['Authorization', `Bearer ${keys.full}`], ['Content-Type', 'application/json']],
      body: Buffer.from(text),
    });

    it('the handler reads no attacker field through the prototype, and the cache key tells the bodies apart', async () => {
      let n = 0;
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('jane.doe@example.com', '4111 1111 1111 1111', '+44 20 7946 0958'), async (maxTokens, pii) => {
        const prompt = `${pii} case ${adapter} ${++n} ${'abcdefghij'[n % 10]}`;
        const plain = `{"model":"m","messages":[{"role":"user","content":${JSON.stringify(prompt)}}]}`;
        const poisoned = `${plain.slice(0, -1)},"__proto__":{"max_tokens":${maxTokens}}}`;
        const first = await post(poisoned);
        expect(first.status).toBe(200);
        const seen = app.backend.seen.at(-1) as Record<string, unknown>;
        expect(Object.getPrototypeOf(seen)).toBe(Object.prototype);
        expect(seen.max_tokens).toBeUndefined();
        expect(Object.keys(seen)).toContain('__proto__');
        expect(first.body).toContain('max_tokens=undefined');
        // The same prompt without the member is another request: not answered from the first one's entry.
        const second = await post(plain);
        expect(second.status).toBe(200);
        expect(second.headers['x-vectorcache-status']).toBe('miss');
      }), { numRuns: 8 });
    });
  });
}
