// Over HTTP on Express, Koa and Fastify: a tampered, truncated or garbage entry is a miss, is deleted, raises an event, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntryCipher, Fernet, MemoryCacheStore, type StoredEntry } from '@vectorcache/core';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';
import { eventually, keyFor } from './helpers.js';

/** Flips one character in the middle of a token, keeping it in the base64url alphabet. */
function flip(token: string): string {
  const i = Math.floor(token.length / 2);
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

const INJECTED = 'INJECTED-ANSWER-m4';
const FOREIGN = new Fernet(Fernet.generateKey());
const CASES: Array<[string, (e: StoredEntry) => StoredEntry]> = [
  ['a flipped character in the response token', (e) => ({ ...e, response: flip(e.response) })],
  ['a truncated response token', (e) => ({ ...e, response: e.response.slice(0, -10) })],
  ['garbage instead of a token', (e) => ({ ...e, response: 'not a fernet token at all' })],
  ['plaintext in a field listed as encrypted', (e) => ({ ...e, response: JSON.stringify({ choices: [{ message: { content: INJECTED } }] }) })],
  ['a valid token under a key the guard does not have', (e) => ({ ...e, response: FOREIGN.encrypt(JSON.stringify({ choices: [{ message: { content: INJECTED } }] })) })],
];

for (const adapter of ['express', 'koa', 'fastify'] as AdapterName[]) {
  describe(`${adapter}: undecryptable cache entries`, () => {
    let keys: Keys;
    let app: App;
    let store: MemoryCacheStore;
    let indexKey: Buffer;
    beforeAll(async () => {
      keys = await makeKeys();
      store = new MemoryCacheStore();
      const options = baseOptions(keys, { cache: store, pii: false });
      indexKey = (await createEntryCipher(options.encryption!)).indexKey;
      app = await startApp(adapter, options);
    });
    afterAll(async () => { await app.close(); });

    const post = (content: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST', body: JSON.stringify(chat(content)),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.full}`, ...headers },
      });

    CASES.forEach(([name, tamper], i) => {
      it(`${name} → a miss, deleted from the store, cache.integrity_failure`, async () => {
        const content = `tamper case ${i}`;
        const key = keyFor(indexKey, content);
        expect((await post(content)).headers.get('x-vectorcache-status')).toBe('miss');
        await eventually(() => store.get(key) !== undefined);
        expect((await post(content)).headers.get('x-vectorcache-status')).toBe('hit');
        const calls = app.backend.calls;

        store.set(key, tamper(store.get(key)!), 60_000);
        const before = app.events.length;
        // no-store: the fresh answer is not written back, so the delete itself is observable.
        const res = await post(content, { 'cache-control': 'no-store' });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-vectorcache-status')).toBe('miss');
        const body = await res.text();
        expect(body).toContain(`echo: ${content}`);
        expect(body).not.toContain(INJECTED);
        expect(app.backend.calls).toBe(calls + 1);
        await eventually(() => store.get(key) === undefined);
        const failures = app.events.slice(before).filter((e) => e.type === 'cache.integrity_failure');
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatchObject({ tenant: 'acme' });
        expect(JSON.stringify(failures[0])).not.toContain('not a fernet token');

        // The next request is a clean miss that stores a valid entry again, then a hit.
        expect((await post(content)).headers.get('x-vectorcache-status')).toBe('miss');
        await eventually(() => store.get(key) !== undefined);
        expect((await post(content)).headers.get('x-vectorcache-status')).toBe('hit');
      });
    });
  });
}
