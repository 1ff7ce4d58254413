// Wraps any function as an Embedder: outputs are checked (count, length, finite) and L2-normalised.
import { optionError } from '../../errors.js';
import type { Embedder } from '../types.js';
import { EmbedderError } from './errors.js';
import { checkedUnitVector } from './vectors.js';

export type EmbedFunction = (
  texts: readonly string[],
  options: { signal?: AbortSignal },
) => Promise<ArrayLike<number>[]> | ArrayLike<number>[];

export interface FunctionEmbedderOptions {
  /** Stable model-family name, part of the partition (e.g. `my-team:minilm`). Required. */
  id: string;
  /** Change it whenever the function would embed the same text differently. Required. */
  version: string;
  /** Length of every vector the function returns. Required. */
  dimensions: number;
}

/** An embedder around `fn`; a throw or a bad output becomes an `EmbedderError` (the guard then skips semantic lookup). */
export function functionEmbedder(fn: EmbedFunction, options: FunctionEmbedderOptions): Embedder {
  if (typeof fn !== 'function') throw optionError('functionEmbedder(fn)', 'must be a function (texts, { signal }) => vectors');
  const { id, version, dimensions } = validate(options);
  const source = `embedder ${id}`;
  return {
    id,
    version,
    dimensions,
    async embed(texts, callOptions = {}) {
      let out: unknown;
      try {
        out = await fn(texts, callOptions.signal === undefined ? {} : { signal: callOptions.signal });
      } catch (cause) {
        if (cause instanceof EmbedderError) throw cause;
        throw new EmbedderError('embedder_unavailable', `${source} failed`, { cause });
      }
      if (!Array.isArray(out) || out.length !== texts.length) {
        throw new EmbedderError('embedder_bad_output', `${source} returned ${Array.isArray(out) ? out.length : 'no'} vectors for ${texts.length} texts`);
      }
      return out.map((v, i) => checkedUnitVector(v, dimensions, source, i));
    },
  };
}

function validate(options: FunctionEmbedderOptions | undefined): FunctionEmbedderOptions {
  if (typeof options !== 'object' || options === null) throw optionError('functionEmbedder options', 'must be an object { id, version, dimensions }');
  const { id, version, dimensions } = options;
  if (typeof id !== 'string' || !/^[\w.:@/-]{1,100}$/.test(id)) throw optionError('id', 'must be a non-empty name of letters, digits and . : @ / - _ (e.g. "my-team:minilm")');
  if (typeof version !== 'string' || version.length === 0 || version.length > 100) throw optionError('version', 'must be a non-empty string; change it when the function changes');
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536) throw optionError('dimensions', 'must be an integer between 1 and 65536');
  return { id, version, dimensions };
}
