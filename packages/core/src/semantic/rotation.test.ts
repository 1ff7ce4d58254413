// Keyed rotation: orthogonal (cosine and norm preserved), keyed per tenant and secret, and cheap enough per vector.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVectorRotation } from './rotation.js';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const unit = (v: Float32Array): Float32Array => {
  const n = Math.sqrt(dot(v, v)) || 1;
  return v.map((x) => x / n);
};
const vectorOf = (d: number) => fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d }).map((a) => unit(Float32Array.from(a)));

describe('createVectorRotation', () => {
  const rotation = createVectorRotation(randomBytes(32));

  it('preserves cosine and norm for any pair of vectors, at dimensions that are and are not powers of two', () => {
    for (const d of [3, 64, 100, 257]) {
      const rotate = rotation.forTenant('acme');
      fc.assert(
        fc.property(vectorOf(d), vectorOf(d), (a, b) => {
          const ra = rotate(a);
          const rb = rotate(b);
          expect(ra.length).toBe(d);
          expect(dot(ra, rb)).toBeCloseTo(dot(a, b), 4);
          expect(dot(ra, ra)).toBeCloseTo(dot(a, a), 4);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('is deterministic per (secret, tenant) and differs across tenants and secrets', () => {
    const v = unit(Float32Array.from({ length: 100 }, (_, i) => Math.sin(i + 1)));
    const secret = randomBytes(32);
    const acme = createVectorRotation(secret).forTenant('acme')(v);
    expect(createVectorRotation(Buffer.from(secret)).forTenant('acme')(v)).toEqual(acme);
    const globex = createVectorRotation(secret).forTenant('globex')(v);
    const otherSecret = createVectorRotation(randomBytes(32)).forTenant('acme')(v);
    // Independent rotations leave a vector nearly orthogonal to its other images (|cos| ~ 1/sqrt(d)).
    expect(Math.abs(dot(acme, globex))).toBeLessThan(0.5);
    expect(Math.abs(dot(acme, otherSecret))).toBeLessThan(0.5);
    // ...and far from the plain vector: a stored vector does not line up with the embedder's space.
    expect(Math.abs(dot(acme, v))).toBeLessThan(0.5);
  });

  it('scatters a basis vector over many coordinates (every block mixed)', () => {
    const e0 = new Float32Array(100);
    e0[0] = 1;
    const r = rotation.forTenant('acme')(e0);
    expect(r.filter((x) => Math.abs(x) > 1e-6).length).toBeGreaterThan(50);
  });

  it('rejects a short secret, an unknown option and a wrong vector with clear errors', () => {
    expect(() => createVectorRotation(new Uint8Array(8))).toThrow(/at least 16 bytes/);
    expect(() => createVectorRotation(randomBytes(32), { cache: 3 } as never)).toThrow(/cacheSize/);
    expect(() => rotation.forTenant('acme')([1, 0] as never)).toThrow(/Float32Array/);
  });
});
