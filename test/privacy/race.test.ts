// Erase against traffic already in flight: concurrent hits, a handler still running, and a store write still landing.
import { describe, expect, it } from 'vitest';
import { createGuard, MemoryCacheStore, type CacheStore, type Guard, type StoredEntry } from '@vectorcache/core';
import { answerFor, ask, freshKeys, SECRET, sleep, statusOf, view } from './helpers.js';

/**
 * A memory store with a slow network in front: a read takes its snapshot when called and answers
 * later (as a Redis reply already on the wire would), and writes can be held back.
 */
class SlowStore implements CacheStore {
  readonly inner = new MemoryCacheStore();
  readsInFlight = 0;
  writeDelayMs = 0;
  async get(key: string): Promise<StoredEntry | undefined> {
    const snapshot = this.inner.get(key);
    this.readsInFlight++;
    await sleep(Math.random() * 8);
    this.readsInFlight--;
    return snapshot;
  }
  async set(key: string, entry: StoredEntry, ttlMs: number): Promise<void> {
    if (this.writeDelayMs > 0) await sleep(this.writeDelayMs);
    this.inner.set(key, entry, ttlMs);
  }
  delete(key: string) { return this.inner.delete(key); }
  keysForSubject(tenant: string, subject: string) { return this.inner.keysForSubject(tenant, subject); }
  async deleteSubject(tenant: string, subject: string): Promise<number> {
    await sleep(5);
    return this.inner.deleteSubject(tenant, subject);
  }
  deleteTenant(tenant: string) { return this.inner.deleteTenant(tenant); }
  entries() { return this.inner.entries(); }
  size() { return this.inner.size(); }
}

async function setup(): Promise<{ guard: Guard; store: SlowStore; key: string }> {
  const keys = await freshKeys();
  const store = new SlowStore();
  const guard = createGuard({
    environment: 'dev', keys: keys.store, cache: store, encryption: { secret: SECRET, iterations: 1000 },
    cacheTimeoutMs: 2_000, silenceWarnings: ['VC_ENCRYPTION_LOW_ITERATIONS'],
  });
  await guard.ready();
  return { guard, store, key: keys.full };
}

const promptsA = ['a0', 'a1', 'a2', 'a3', 'a4'].map((p) => `${p} race`);
const promptsB = ['b0', 'b1', 'b2'].map((p) => `${p} race`);

describe('erase races', () => {
  it('no hit from A\'s entries is served once erase has resolved, while hits keep coming', async () => {
    const { guard, store, key } = await setup();
    for (const p of promptsA) await ask(guard, key, 'A', p);
    for (const p of promptsB) await ask(guard, key, 'B', p);
    expect(await ask(guard, key, 'A', promptsA[0]!)).toBe('hit');

    let eraseResolved = false;
    let hitsBefore = 0;
    let hitsAfter = 0;
    const inflight: Array<Promise<void>> = [];
    const fire = (n: number) => {
      for (let i = 0; i < n; i++) {
        inflight.push(guard.handle(view(key, 'A', promptsA[i % promptsA.length]!)).then((d) => {
          if (statusOf(d) !== 'hit') return;
          if (eraseResolved) hitsAfter++;
          else hitsBefore++;
        }));
      }
    };
    fire(150);
    await sleep(2); // reads are now in flight with their snapshots of A's entries
    const readsAtErase = store.readsInFlight;
    const erasing = guard.privacy.erase({ tenant: 'acme', subject: 'A' }).then((receipt) => {
      eraseResolved = true;
      return receipt;
    });
    // More hits keep arriving while the erase runs.
    for (let wave = 0; wave < 5; wave++) {
      fire(30);
      await sleep(1);
    }
    const receipt = await erasing;
    fire(50);
    await Promise.all(inflight);

    expect(readsAtErase).toBeGreaterThan(0); // the race really overlapped
    expect(receipt.erased).toBe(promptsA.length);
    expect(hitsAfter).toBe(0);
    expect(hitsBefore + hitsAfter).toBeLessThan(inflight.length);
    for (const p of promptsA) expect(statusOf(await guard.handle(view(key, 'A', p)))).toBe('miss');
    for (const p of promptsB) expect(statusOf(await guard.handle(view(key, 'B', p)))).toBe('hit');
    await guard.close();
  });

  it('a handler still running when the erase starts does not re-insert A\'s entry', async () => {
    const { guard, store, key } = await setup();
    const prompt = 'slow upstream race';
    const decision = await guard.handle(view(key, 'A', prompt));
    expect(decision.kind === 'pass' && decision.ticket).toBeTruthy();
    const receipt = await guard.privacy.erase({ tenant: 'acme', subject: 'A' });
    // The upstream answers only now, after the erase resolved.
    const result = guard.complete((decision as { ticket: NonNullable<Extract<typeof decision, { kind: 'pass' }>['ticket']> }).ticket, {
      status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answerFor(prompt)),
    });
    await result.done;
    expect(result.stored).toBe(false);
    expect(store.inner.keysForSubject('acme', receipt.subject)).toEqual([]);
    expect((await store.inner.size()).entries).toBe(0);
    expect(statusOf(await guard.handle(view(key, 'A', prompt)))).toBe('miss');
    await guard.close();
  });

  // KNOWN BUG, fixed in guard.ts (see the issue 6 report): the guard checks the fence when the
  // handler's answer arrives, but a store write already on its way when the erase runs lands
  // after deleteSubject and leaves A's ciphertext and index entry in the store (unserved only
  // while the 10-minute in-memory fence lasts). Turn `it.fails` into `it` once erase waits for
  // that subject's pending writes.
  it('a store write already on its way when the erase runs does not land after it', async () => {
    const { guard, store, key } = await setup();
    const prompt = 'slow store write race';
    const decision = await guard.handle(view(key, 'A', prompt));
    if (decision.kind !== 'pass' || !decision.ticket) throw new Error('expected a miss with a ticket');
    store.writeDelayMs = 40;
    const result = guard.complete(decision.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answerFor(prompt)) });
    expect(result.stored).toBe(true); // the write began before the erase
    const receipt = await guard.privacy.erase({ tenant: 'acme', subject: 'A' });
    await result.done;
    expect(store.inner.keysForSubject('acme', receipt.subject)).toEqual([]);
    await guard.close();
  });
});
