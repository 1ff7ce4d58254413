// Keyed rotation: orthogonal (cosine and norm preserved), keyed per tenant and secret, and cheap enough per vector.
import { createHash, randomBytes } from 'node:crypto';
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

  it('gives the same float32 bits as rot-wht3-v1 always has (stored vectors, e.g. in pgvector, stay searchable)', () => {
    // Digests of the first 16 bytes of SHA-256 over the rotated vector, taken from the implementation
    // that first shipped rot-wht3-v1: a faster transform must not move a single bit, or the id must change.
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
    const expected: Record<number, string> = {
      3: '09516a1d2820c22f8aab8438e1a81ff3', 100: '2662f4763981c77eaf9abc72d918d70b',
      356: 'a35f96736325d69f4a7c406a8404675a', 1536: 'd9c5a424168e317a6131dab1701744c0',
    };
    const rotation = createVectorRotation(secret);
    expect(rotation.id).toBe('rot-wht3-v1');
    for (const [d, digest] of Object.entries(expected)) {
      const v = Float32Array.from({ length: Number(d) }, (_, i) => Math.sin(i + 1));
      const out = rotation.forTenant('acme')(v);
      expect(createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex').slice(0, 32)).toBe(digest);
    }
  });

  it('rejects a short secret, an unknown option and a wrong vector with clear errors', () => {
    expect(() => createVectorRotation(new Uint8Array(8))).toThrow(/at least 16 bytes/);
    expect(() => createVectorRotation(randomBytes(32), { cache: 3 } as never)).toThrow(/cacheSize/);
    expect(() => rotation.forTenant('acme')([1, 0] as never)).toThrow(/Float32Array/);
  });
});
