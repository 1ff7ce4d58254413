// Issue 6 over real HTTP on Express, Koa and Fastify: subject erase/export routes, tenant isolation, scopes, audit events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { connect } from 'node:net';
import { baseOptions, chat, makeKeys, startApp, type AdapterName, type App, type Keys } from '../conformance/harness.js';

const ADAPTERS: AdapterName[] = ['express', 'koa', 'fastify'];
const SUBJECTS = '/v1/vectorcache/subjects/';

/** Header values travel as bytes; Node sends a string's chars as latin1, so this sends the UTF-8 of `id`. */

/**
 * A POST written byte for byte on a socket, as curl sends it: the subject header carries the id's raw
 * UTF-8 bytes (Node's own client would refuse characters above U+00FF or re-encode the header).
 */
function post(app: App, key: string, subject: string | undefined, content: string): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const body = Buffer.from(JSON.stringify(chat(content)));
  const url = new URL(app.url);
  const head = [
    'POST /v1/chat/completions HTTP/1.1', `Host: ${url.host}`, 'Connection: close', 'Content-Type: application/json',
    `Content-Length: ${body.length}`, `Authorization: Bearer ${key}`,
  ].join('\r\n');
  const subjectLine = subject === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from('\r\nX-Vectorcache-Subject: '), Buffer.from(subject, 'utf8')]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const lines = raw.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, text: raw.slice(split + 4) });
    });
    // write, not end: a half-closed socket may be dropped before the answer (Connection: close ends it).
    socket.write(Buffer.concat([Buffer.from(head), subjectLine, Buffer.from('\r\n\r\n'), body]));
  });
}
const erase = (app: App, key: string, subject: string) => request(app.url).delete(SUBJECTS + encodeURIComponent(subject)).set('authorization', `Bearer ${key}`);
const exportOf = (app: App, key: string, subject: string) => request(app.url).get(`${SUBJECTS}${encodeURIComponent(subject)}/export`).set('authorization', `Bearer ${key}`);

interface Exported { tenant: string; subject: string; at: string; entries: Array<{ prompt: { messages: Array<{ content: string }> }; response: { choices: Array<{ message: { content: string } }> }; model: string; created: string; expires: string }> }
const promptsOf = (body: Exported) => body.entries.map((e) => e.prompt.messages[0]!.content).sort();
const answersOf = (body: Exported) => body.entries.map((e) => e.response.choices[0]!.message.content).sort();

for (const adapter of ADAPTERS) {
  describe(`privacy routes (${adapter})`, () => {
    let keys: Keys;
    let app: App;
    // Distinctive raw ids and prompts, so any leak into events or receipts is findable.
    const run = Math.random().toString(36).slice(2, 8);
    const A = `alice-${run}@example.com`;
    const B = `bob-${run}`;
    const promptsA = [`alpha prompt ${run}`, `shared prompt ${run}`];
    const promptsB = [`beta prompt ${run}`, `shared prompt ${run}`];

    beforeAll(async () => {
      keys = await makeKeys();
      app = await startApp(adapter, baseOptions(keys));
    });
    afterAll(() => app.close());

    async function seed(subject: string, prompts: string[]): Promise<void> {
      for (const p of prompts) {
        const first = await post(app, keys.full, subject, p);
        expect(first.status).toBe(200);
        // Entries are per subject: B's copy of the shared prompt is a miss even after A's.
        expect(first.headers['x-vectorcache-status']).toBe('miss');
        await new Promise((r) => setTimeout(r, 20)); // let the write land
        expect((await post(app, keys.full, subject, p)).headers['x-vectorcache-status']).toBe('hit');
      }
    }

    it('erase A: receipt with the hash, A misses, B still hits, idempotent; export is exact; other tenants get nothing', async () => {
      await seed(A, promptsA);
      await seed(B, promptsB);

      // Export A: exactly A's prompts and answers, decrypted, as a JSON attachment.
      const exported = await exportOf(app, keys.privacy, A);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^application\/json/);
      expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.json"$/);
      const body = JSON.parse(exported.text) as Exported;
      expect(body.tenant).toBe('acme');
      expect(body.subject).toMatch(/^[0-9a-f]{64}$/);
      expect(promptsOf(body)).toEqual([...promptsA].sort());
      expect(answersOf(body)).toEqual(promptsA.map((p) => `echo: ${p}`).sort());
      for (const e of body.entries) {
        expect(e.model).toBe('gpt-test');
        expect(Date.parse(e.expires)).toBeGreaterThan(Date.parse(e.created));
      }
      expect(exported.text).not.toContain(promptsB[0]);
      expect(exported.text).not.toContain(A);

      // Another tenant's privacy admin acts on its own tenant only: nothing of A's, and A survives.
      const foreignExport = await exportOf(app, keys.otherTenantPrivacy, A);
      expect(foreignExport.status).toBe(200);
      expect((JSON.parse(foreignExport.text) as Exported)).toMatchObject({ tenant: 'globex', entries: [] });
      const foreignErase = await erase(app, keys.otherTenantPrivacy, A);
      expect(foreignErase.status).toBe(200);
      expect(JSON.parse(foreignErase.text)).toMatchObject({ tenant: 'globex', erased: 0 });
      expect((await post(app, keys.full, A, promptsA[0]!)).headers['x-vectorcache-status']).toBe('hit');

      // A key without privacy:admin is refused.
      const denied = await erase(app, keys.full, A);
      expect(denied.status).toBe(403);
      expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(denied.text)).toMatchObject({ code: 'insufficient_scope' });
      expect(denied.headers['www-authenticate']).toContain('scope="privacy:admin"');
      expect((await exportOf(app, keys.full, A)).status).toBe(403);
      expect((await post(app, keys.full, A, promptsA[0]!)).headers['x-vectorcache-status']).toBe('hit');

      // Erase A.
      const receiptRes = await erase(app, keys.privacy, A);
      expect(receiptRes.status).toBe(200);
      expect(receiptRes.headers['content-type']).toMatch(/^application\/json/);
      expect(receiptRes.text).not.toContain(A);
      const receipt = JSON.parse(receiptRes.text) as Record<string, unknown>;
      expect(Object.keys(receipt).sort()).toEqual(['at', 'erased', 'subject', 'tenant']);
      expect(receipt).toMatchObject({ tenant: 'acme', subject: body.subject, erased: 2 });
      expect(Number.isNaN(Date.parse(receipt.at as string))).toBe(false);

      // Idempotent: nothing is left to erase.
      const again = JSON.parse((await erase(app, keys.privacy, A)).text) as Record<string, unknown>;
      expect(again).toMatchObject({ tenant: 'acme', subject: body.subject, erased: 0 });
      expect((JSON.parse((await exportOf(app, keys.privacy, A)).text) as Exported).entries).toEqual([]);

      for (const p of promptsA) expect((await post(app, keys.full, A, p)).headers['x-vectorcache-status']).toBe('miss');
      for (const p of promptsB) expect((await post(app, keys.full, B, p)).headers['x-vectorcache-status']).toBe('hit');

      const exportB = JSON.parse((await exportOf(app, keys.privacy, B)).text) as Exported;
      expect(promptsOf(exportB)).toEqual([...promptsB].sort());

      // Audit trail: every erase and export is an event with the receipt and the acting key, never the id or content.
      const audit = app.events.filter((e) => e.type.startsWith('privacy.'));
      expect(audit.map((e) => e.type)).toEqual(['privacy.exported', 'privacy.exported', 'privacy.erased', 'privacy.erased', 'privacy.erased', 'privacy.exported', 'privacy.exported']);
      const erased = audit.filter((e) => e.type === 'privacy.erased');
      expect(erased[1]).toMatchObject({ tenant: 'acme', keyId: expect.stringMatching(/^key_/), keyHint: expect.stringMatching(/^vc_dev_/), receipt });
      expect(erased[0]).toMatchObject({ tenant: 'globex', receipt: { erased: 0 } });
      expect(erased[0]!.keyId).not.toBe(erased[1]!.keyId);
      expect(audit[0]).toMatchObject({ tenant: 'acme', keyId: erased[1]!.keyId, keyHint: erased[1]!.keyHint, receipt: { tenant: 'acme', subject: body.subject, exported: 2, at: body.at } });
      const all = JSON.stringify(app.events);
      for (const secret of [A, B, ...promptsA, ...promptsB, 'echo:', keys.privacy, keys.full]) expect(all).not.toContain(secret);
    });

    it('URL-encoded subject ids round-trip (@, spaces, reserved characters)', async () => {
      const ids = [`user@example.com ${run}`, `first last/${run}?x=1#frag`, `50%+${run}`];
      for (const [i, id] of ids.entries()) {
        // The prompt must not contain the id: an email in a prompt is PII and is never cached.
        const prompt = `round-trip ${i} ${run}`;
        expect((await post(app, keys.full, id, prompt)).headers['x-vectorcache-status']).toBe('miss');
        await new Promise((r) => setTimeout(r, 20));
        const exported = JSON.parse((await exportOf(app, keys.privacy, id)).text) as Exported;
        expect(promptsOf(exported)).toEqual([prompt]);
        expect(JSON.parse((await erase(app, keys.privacy, id)).text)).toMatchObject({ erased: 1 });
        expect((await post(app, keys.full, id, prompt)).headers['x-vectorcache-status']).toBe('miss');
      }
    });

    // Node hands header values over as Latin-1: the guard must read the bytes as UTF-8 so that `Zoë`
    // sent as UTF-8 hashes like the percent-encoded path `Zo%C3%AB`.
    it('a non-ASCII subject id sent as UTF-8 in the header matches its percent-encoded path', async () => {
      const id = `Zoë 漢字 ${run}`;
      const prompt = `unicode ${run}`;
      expect((await post(app, keys.full, id, prompt)).headers['x-vectorcache-status']).toBe('miss');
      await new Promise((r) => setTimeout(r, 20));
      const exported = JSON.parse((await exportOf(app, keys.privacy, id)).text) as Exported;
      expect(promptsOf(exported)).toEqual([prompt]);
    });
  });
}
