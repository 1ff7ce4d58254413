// Unit tests of the shared subject erase/export helpers against the memory store and a lying index.
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../stores/index.js';
import { createEntryCipher } from '../crypto/index.js';
import { EntryCodec } from '../entries.js';
import { subjectHash } from '../canonical.js';
import type { CacheStore, StoredEntry } from '../types.js';
import { eraseReceipt, eraseSubject, exportSubject, subjectEntries } from './index.js';

const cipher = await createEntryCipher({ secret: 'privacy-unit-secret-privacy-unit-secret-01', iterations: 1000 });
const codec = new EntryCodec(cipher);
const A = subjectHash(cipher.indexKey, 'acme', 'alice@example.com');
const B = subjectHash(cipher.indexKey, 'acme', 'bob');

function entry(subject: string | undefined, prompt: string, answer: string, extra: Partial<StoredEntry> = {}): StoredEntry {
  const now = Date.now();
  return {
    v: 1, tenant: 'acme', model: 'gpt-test', ...(subject === undefined ? {} : { subject }), createdAt: now, expiresAt: now + 60_000,
    ...codec.seal({ request: JSON.stringify({ messages: [{ role: 'user', content: prompt }] }), response: JSON.stringify({ answer }) }),
    status: 200, headers: {}, size: answer.length, ...extra,
  };
}

describe('privacy helpers', () => {
  it('exports exactly the subject\'s entries, decrypted, and erases them idempotently', async () => {
    const cache = new MemoryCacheStore();
    cache.set('acme:a1', entry(A, 'alpha', 'A1'), 60_000);
    cache.set('acme:a2', entry(A, 'same prompt', 'A2'), 60_000);
    cache.set('acme:b1', entry(B, 'same prompt', 'B1'), 60_000);
    cache.set('acme:n1', entry(undefined, 'anonymous', 'N1'), 60_000);

    const exported = await exportSubject(cache, codec, 'acme', A);
    expect(exported.map((e) => (e.response as { answer: string }).answer).sort()).toEqual(['A1', 'A2']);
    expect(exported[0]).toMatchObject({ model: 'gpt-test', created: expect.any(String), expires: expect.any(String) });
    expect(JSON.stringify(exported)).not.toContain('B1');

    expect(await eraseSubject(cache, 'acme', A)).toBe(2);
    expect(await eraseSubject(cache, 'acme', A)).toBe(0);
    expect(await exportSubject(cache, codec, 'acme', A)).toEqual([]);
    expect(cache.get('acme:b1')).toBeDefined();
    expect(cache.get('acme:n1')).toBeDefined();
    // The same hash in another tenant is another subject.
    expect(await exportSubject(cache, codec, 'globex', B)).toEqual([]);
  });

  it('skips entries an index points at wrongly, and reports tampered and stale ones', async () => {
    const good = entry(A, 'mine', 'MINE');
    const foreign = entry(B, 'not mine', 'NOT-MINE');
    const tampered = { ...entry(A, 'tampered', 'T'), response: 'gAAAAA-not-a-token' };
    const legacy = { ...entry(A, 'old', 'OLD'), enc: [] as StoredEntry['enc'], request: JSON.stringify({ p: 'old' }), response: JSON.stringify({ answer: 'OLD' }) };
    const expired = entry(A, 'gone', 'GONE', { expiresAt: Date.now() - 1 });
    const rows: Record<string, StoredEntry> = { 'acme:good': good, 'acme:foreign': foreign, 'acme:tampered': tampered, 'acme:legacy': legacy, 'acme:expired': expired };
    // A store whose subject index lies: it lists another subject's entry too.
    const lying = {
      keysForSubject: () => Object.keys(rows),
      get: (key: string) => rows[key],
    } as unknown as CacheStore;
    const failures: string[] = [];
    const stale: string[] = [];
    const seen: string[] = [];
    for await (const e of subjectEntries(lying, codec, 'acme', A, { onIntegrityFailure: (k) => failures.push(k), onStale: (k) => stale.push(k) })) {
      seen.push((e.response as { answer: string }).answer);
    }
    expect(seen.sort()).toEqual(['MINE', 'OLD']);
    expect(failures).toEqual(['acme:tampered']);
    expect(stale).toEqual(['acme:legacy']);
  });

  it('goes round again when an entry lands during the erase', async () => {
    const cache = new MemoryCacheStore();
    cache.set('acme:a1', entry(A, 'one', '1'), 60_000);
    let raced = false;
    // A write that lands right after the first delete, as an in-flight miss would.
    const racing = Object.create(cache) as MemoryCacheStore;
    racing.deleteSubject = (tenant: string, subject: string) => {
      const n = cache.deleteSubject(tenant, subject);
      if (!raced) { raced = true; cache.set('acme:a2', entry(A, 'two', '2'), 60_000); }
      return n;
    };
    racing.keysForSubject = (tenant: string, subject: string) => cache.keysForSubject(tenant, subject);
    expect(await eraseSubject(racing, 'acme', A)).toBe(2);
    expect(cache.keysForSubject('acme', A)).toEqual([]);
  });

  it('receipts carry the hash and an ISO time', () => {
    expect(eraseReceipt('acme', A, 3, new Date('2030-01-01T00:00:00Z'))).toEqual({ tenant: 'acme', subject: A, erased: 3, at: '2030-01-01T00:00:00.000Z' });
  });
});
