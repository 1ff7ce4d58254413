// Shared VectorIndex conformance suite: the in-process and the pgvector index must both pass it.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndexedVector, VectorIndex, VectorQuery } from '@vectorcache/core';

export interface IndexHarness {
  index: VectorIndex;
  cleanup?: () => Promise<void> | void;
  /** A second index over the same storage (another instance); only shared indexes have one. */
  second?: () => Promise<VectorIndex>;
  /** Makes the backend stop answering; returns a function that undoes it. */
  stall?: () => Promise<() => Promise<void> | void>;
  /** The bound every call must respect while the backend is stalled. */
  timeoutMs?: number;
}

export const DIMS = 16;

/** A unit vector at angle acos(cos) from axis 0, in the plane of axes 0 and `axis`. */
export function at(cos: number, axis = 1): Float32Array {
  const v = new Float32Array(DIMS);
  v[0] = cos;
  v[axis] = Math.sqrt(Math.max(0, 1 - cos * cos));
  return v;
}

export const BASE = at(1);

export interface SuiteFeatures {
  /** The harness has `stall`: run the time-bound case. */
  stalls?: boolean;
  /** The harness has `second`: run the two-instance case. */
  shared?: boolean;
}

export function indexSuite(name: string, make: () => Promise<IndexHarness> | IndexHarness, features: SuiteFeatures = {}): void {
  describe(`VectorIndex conformance: ${name}`, () => {
    let h: IndexHarness;
    let index: VectorIndex;
    let p: (name: string) => string;
    const now = Date.now();
    const item = (partition: string, key: string, vector: Float32Array, over: Partial<IndexedVector> = {}): IndexedVector => ({
      partition: p(partition), key: `${p('k')}:${key}`, tenantTag: p('tenant-a'), vector, expiresAt: now + 600_000, ...over,
    });
    const query = (partition: string, over: Partial<VectorQuery> = {}): VectorQuery => ({
      partition: p(partition), vector: BASE, k: 5, minSimilarity: 0.5, now, ...over,
    });
    const keysOf = async (q: VectorQuery): Promise<string[]> => (await index.search(q)).map((m) => m.key.slice(p('k').length + 1));

    beforeEach(async () => {
      h = await make();
      index = h.index;
      await index.init?.();
      const run = randomUUID().slice(0, 8);
      p = (s) => `${run}-${s}`;
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    it('never returns a vector of another partition, however close', async () => {
      await index.upsert(item('other', 'twin', BASE));
      expect(await keysOf(query('mine'))).toEqual([]);
      await index.upsert(item('mine', 'far', at(0.6)));
      expect(await keysOf(query('mine', { minSimilarity: 0 }))).toEqual(['far']);
      expect(await keysOf(query('other'))).toEqual(['twin']);
    });

    it('returns nothing below minSimilarity and the cosine at or above it', async () => {
      await index.upsert(item('a', 'x', at(0.8)));
      expect(await index.search(query('a', { minSimilarity: 0.9 }))).toEqual([]);
      const [hit, ...rest] = await index.search(query('a', { minSimilarity: 0.7 }));
      expect(rest).toEqual([]);
      expect(hit!.similarity).toBeCloseTo(0.8, 3);
    });

    it('returns at most k matches, best first', async () => {
      for (const [key, cos] of [['c', 0.7], ['a', 0.95], ['d', 0.6], ['b', 0.85], ['e', 0.55]] as const) await index.upsert(item('a', key, at(cos)));
      expect(await keysOf(query('a', { k: 3 }))).toEqual(['a', 'b', 'c']);
      const all = await index.search(query('a', { k: 10, minSimilarity: 0 }));
      expect(all.map((m) => m.similarity)).toEqual([...all.map((m) => m.similarity)].sort((x, y) => y - x));
      expect(all).toHaveLength(5);
    });

    it('never returns an expired vector, and sweep removes it', async () => {
      await index.upsert(item('a', 'old', BASE, { expiresAt: now - 1 }));
      await index.upsert(item('a', 'live', at(0.9)));
      expect(await keysOf(query('a'))).toEqual(['live']);
      expect(await index.sweep(now)).toBeGreaterThanOrEqual(1);
      expect(await index.sweep(now)).toBe(0);
      expect(await keysOf(query('a', { now: now + 700_000 }))).toEqual([]);
    });

    it('replaces the vector on an upsert of the same partition and key', async () => {
      await index.upsert(item('a', 'x', at(0.6)));
      await index.upsert(item('a', 'x', at(0.99)));
      const matches = await index.search(query('a', { minSimilarity: 0 }));
      expect(matches).toHaveLength(1);
      expect(matches[0]!.similarity).toBeCloseTo(0.99, 3);
    });

    it('deleteKeys removes those entries\' vectors in every partition and counts them', async () => {
      await index.upsert(item('a', 'x', BASE));
      await index.upsert(item('b', 'x', BASE));
      await index.upsert(item('a', 'y', at(0.9)));
      expect(await index.deleteKeys([`${p('k')}:x`, `${p('k')}:missing`])).toBe(2);
      expect(await keysOf(query('a'))).toEqual(['y']);
      expect(await keysOf(query('b'))).toEqual([]);
      expect(await index.deleteKeys([])).toBe(0);
    });

    it('deleteOwner removes a subject\'s vectors, then a tenant\'s, and nobody else\'s', async () => {
      await index.upsert(item('a', 's1', at(0.99), { subjectTag: p('subj-1') }));
      await index.upsert(item('b', 's2', at(0.98), { subjectTag: p('subj-2') }));
      await index.upsert(item('a', 'shared', at(0.97)));
      await index.upsert(item('a', 'other-tenant', at(0.96), { tenantTag: p('tenant-b'), subjectTag: p('subj-1') }));
      expect(await index.deleteOwner({ tenantTag: p('tenant-a'), subjectTag: p('subj-1') })).toBe(1);
      expect(await keysOf(query('a'))).toEqual(['shared', 'other-tenant']);
      expect(await index.deleteOwner({ tenantTag: p('tenant-a') })).toBe(2);
      expect(await keysOf(query('a'))).toEqual(['other-tenant']);
      expect(await keysOf(query('b'))).toEqual([]);
      expect(await index.deleteOwner({ tenantTag: p('nobody') })).toBe(0);
    });

    it('rejects a vector or query of the wrong dimension with a clear coded error', async () => {
      const wrong = new Float32Array(DIMS + 1);
      wrong[0] = 1;
      await expect(async () => index.upsert(item('a', 'x', wrong))).rejects.toMatchObject({ code: 'dimension_mismatch', message: expect.stringMatching(/17 dimensions.*16/) });
      await expect(async () => index.search(query('a', { vector: wrong }))).rejects.toMatchObject({ code: 'dimension_mismatch' });
      await expect(async () => index.upsert(item('a', 'x', new Float32Array(DIMS)))).rejects.toMatchObject({ code: 'invalid_vector' });
    });

    if (features.stalls) it('rejects within its time bound when the backend stalls, and works again after', async () => {
      await index.upsert(item('a', 'x', BASE));
      const resume = await h.stall!();
      try {
        const started = Date.now();
        await expect(async () => index.search(query('a'))).rejects.toMatchObject({ code: 'index_timeout' });
        await expect(async () => index.upsert(item('a', 'y', BASE))).rejects.toMatchObject({ code: 'index_timeout' });
        await expect(async () => index.deleteKeys(['x'])).rejects.toMatchObject({ code: 'index_timeout' });
        expect(Date.now() - started).toBeLessThan(3 * (h.timeoutMs ?? 0) + 500);
      } finally {
        await resume();
      }
      expect(await keysOf(query('a'))).toContain('x');
    });

    if (features.shared) it('two instances over one store see each other\'s writes and deletes', async () => {
      const other = await h.second!();
      try {
        await index.upsert(item('a', 'x', BASE, { subjectTag: p('subj') }));
        expect((await other.search(query('a'))).map((m) => m.key)).toEqual([`${p('k')}:x`]);
        await other.upsert(item('a', 'y', at(0.9)));
        expect(await keysOf(query('a'))).toEqual(['x', 'y']);
        expect(await other.deleteOwner({ tenantTag: p('tenant-a'), subjectTag: p('subj') })).toBe(1);
        expect(await keysOf(query('a'))).toEqual(['y']);
        expect(await index.deleteKeys([`${p('k')}:y`])).toBe(1);
        expect(await other.search(query('a'))).toEqual([]);
      } finally {
        await other.shutdown?.();
      }
    });
  });
}
