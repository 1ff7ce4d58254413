// Checks and L2-normalises vectors that come from outside the process (an HTTP embedder, a user function).
import { EmbedderError } from './errors.js';

/**
 * A Float32Array copy of `raw`, L2-normalised; rejects a wrong length, a non-finite value or a zero vector,
 * since any of those would make cosine similarity meaningless.
 */
export function checkedUnitVector(raw: unknown, dimensions: number, source: string, index: number): Float32Array {
  const isArrayLike = Array.isArray(raw) || raw instanceof Float32Array || raw instanceof Float64Array;
  if (!isArrayLike) throw new EmbedderError('embedder_bad_output', `${source} returned no vector for text ${index}`);
  const values = raw as ArrayLike<unknown>;
  if (values.length !== dimensions) {
    throw new EmbedderError('embedder_bad_output', `${source} returned ${values.length} dimensions for text ${index}, expected ${dimensions}`);
  }
  const out = new Float32Array(dimensions);
  let sum = 0;
  for (let d = 0; d < dimensions; d++) {
    const v = values[d];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new EmbedderError('embedder_bad_output', `${source} returned a non-finite value for text ${index}`);
    }
    out[d] = v;
    sum += v * v;
  }
  if (!(sum > 0) || !Number.isFinite(sum)) throw new EmbedderError('embedder_bad_output', `${source} returned a zero vector for text ${index}`);
  const k = 1 / Math.sqrt(sum);
  for (let d = 0; d < dimensions; d++) out[d] = (out[d] as number) * k;
  return out;
}
