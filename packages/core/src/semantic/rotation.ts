// Keyed per-tenant orthogonal rotation of embeddings: cosine preserved, vectors meaningless without the secret (obfuscation, not encryption).
import { createCipheriv, createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { optionError } from '../errors.js';
import { positiveInteger, rejectUnknown } from '../stores/validate.js';

export interface VectorRotationOptions {
  /** Tenants whose transform stays cached (each costs about 24 bytes per dimension). Defaults to 1024. */
  cacheSize?: number;
}

export interface VectorRotation {
  /** Names the transform family; belongs in the partition so rotated and plain vectors never meet. */
  readonly id: string;
  /** The tenant's transform: a new unit vector, same cosine to any other vector of the same tenant. */
  forTenant(tenant: string): (vector: Float32Array) => Float32Array;
}

/** Rounds of (keyed permutation, keyed signs, block Walsh–Hadamard): three mix every coordinate into every block. */
const ROUNDS = 3;
const ID = 'rot-wht3-v1';

interface Round {
  perm: Uint32Array;
  signs: Float64Array;
}

/** An AES-256-CTR keystream from the tenant key: a deterministic, uniform source of random words. */
function keystream(key: Buffer): () => number {
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  let block = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 4 > block.length) {
      block = cipher.update(Buffer.alloc(4096));
      at = 0;
    }
    const word = block.readUInt32LE(at);
    at += 4;
    return word;
  };
}

/** Uniform integer in [0, n) by rejection, so the permutation is unbiased. */
function below(next: () => number, n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const word = next();
    if (word < limit) return word % n;
  }
}

function makeRounds(key: Buffer, d: number): Round[] {
  const next = keystream(key);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const perm = new Uint32Array(d);
    for (let i = 0; i < d; i++) perm[i] = i;
    for (let i = d - 1; i > 0; i--) {
      const j = below(next, i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const signs = new Float64Array(d);
    for (let i = 0; i < d; i += 32) {
      const bits = next();
      for (let b = 0; b < 32 && i + b < d; b++) signs[i + b] = (bits >>> b) & 1 ? -1 : 1;
    }
    rounds.push({ perm, signs });
  }
  return rounds;
}

/** The power-of-two blocks of d's binary decomposition (100 = 64 + 32 + 4), as [offset, size] pairs. */
function blocksOf(d: number): number[] {
  const out: number[] = [];
  let offset = 0;
  for (let size = 1 << 30; size >= 1; size >>>= 1) {
    if (d - offset < size) continue;
    out.push(offset, size);
    offset += size;
  }
  return out;
}

/**
 * In-place Walsh–Hadamard butterflies on each block, unscaled (the caller folds 1/√size into its next
 * multiply). Two stages per pass where they pair up: the same additions in the same order as one
 * stage at a time, so the same result to the bit, with half the passes over the buffer.
 */
function blockHadamard(x: Float64Array, blocks: Uint32Array): void {
  for (let b = 0; b < blocks.length; b += 2) {
    const offset = blocks[b]!;
    const size = blocks[b + 1]!;
    const end = offset + size;
    let h = 1;
    for (; h * 4 <= size; h <<= 2) {
      for (let i = offset; i < end; i += h << 2) {
        for (let j = i; j < i + h; j++) {
          const a = x[j]!, c = x[j + h]!, e = x[j + 2 * h]!, g = x[j + 3 * h]!;
          const s0 = a + c, d0 = a - c, s1 = e + g, d1 = e - g;
          x[j] = s0 + s1;
          x[j + h] = d0 + d1;
          x[j + 2 * h] = s0 - s1;
          x[j + 3 * h] = d0 - d1;
        }
      }
    }
    if (h < size) {
      for (let j = offset; j < offset + h; j++) {
        const a = x[j]!, c = x[j + h]!;
        x[j] = a + c;
        x[j + h] = a - c;
      }
    }
  }
}

/** 1/√size of the block each coordinate lies in: the orthonormal scale of the butterflies above. */
function blockScales(d: number, blocks: Uint32Array): Float64Array {
  const scales = new Float64Array(d);
  for (let b = 0; b < blocks.length; b += 2) scales.fill(1 / Math.sqrt(blocks[b + 1]!), blocks[b]!, blocks[b]! + blocks[b + 1]!);
  return scales;
}

function transform(rounds: Round[]): (vector: Float32Array) => Float32Array {
  const d = rounds[0]!.perm.length;
  const blocks = Uint32Array.from(blocksOf(d));
  const scales = blockScales(d, blocks);
  // Each round's factor is its sign times the previous round's block scale at the coordinate it
  // reads: (x·scale)·(±1) and x·(±scale) round alike, so folding the scale in changes no bit.
  const factors = rounds.map(({ perm, signs }, r) => signs.map((sign, i) => (r === 0 ? sign : sign * scales[perm[i]!]!)));
  // Scratch buffers reused by every call: the transform is synchronous, so calls never overlap.
  const a = new Float64Array(d);
  const b = new Float64Array(d);
  return (vector) => {
    if (vector.length !== d) throw new TypeError(`vectorcache: rotation built for ${d} dimensions got a vector of ${vector.length}`);
    a.set(vector);
    let x = a;
    let y = b;
    for (let r = 0; r < rounds.length; r++) {
      const perm = rounds[r]!.perm;
      const factor = factors[r]!;
      for (let i = 0; i < d; i++) y[i] = x[perm[i]!]! * factor[i]!;
      blockHadamard(y, blocks);
      const t = x;
      x = y;
      y = t;
    }
    const out = new Float32Array(d);
    for (let i = 0; i < d; i++) out[i] = x[i]! * scales[i]!;
    return out;
  };
}

/**
 * Rotations keyed by `secret` (≥ 16 bytes; derive it from the encryption secret, never reuse the raw
 * key): each tenant gets its own orthogonal transform, so cosine within a tenant is unchanged while
 * stored vectors do not line up with any public embedding model's space.
 */
export function createVectorRotation(secret: Uint8Array, options: VectorRotationOptions = {}): VectorRotation {
  if (!(secret instanceof Uint8Array) || secret.length < 16) {
    throw optionError('rotation secret', 'must be a Uint8Array of at least 16 bytes (derive it from the encryption secret, e.g. with HKDF)');
  }
  rejectUnknown('createVectorRotation', options, ['cacheSize']);
  const cacheSize = positiveInteger('cacheSize', options.cacheSize, 1024)!;
  const master = Buffer.from(secret);
  const cache = new LRUCache<string, (vector: Float32Array) => Float32Array>({ max: cacheSize });
  const forDimensions = (tenant: string, d: number): ((vector: Float32Array) => Float32Array) => {
    const id = `${d}\0${tenant}`;
    let fn = cache.get(id);
    if (!fn) {
      const key = createHmac('sha256', master).update(`vectorcache/vector-rotation/${ID}\0${d}\0`).update(tenant, 'utf8').digest();
      fn = transform(makeRounds(key, d));
      cache.set(id, fn);
    }
    return fn;
  };
  return {
    id: ID,
    forTenant(tenant) {
      if (typeof tenant !== 'string') throw new TypeError('vectorcache: rotation tenant must be a string');
      return (vector) => {
        if (!(vector instanceof Float32Array) || vector.length === 0) throw new TypeError('vectorcache: rotation needs a non-empty Float32Array');
        return forDimensions(tenant, vector.length)(vector);
      };
    },
  };
}
