// functionEmbedder: outputs checked and normalised, failures coded, options validated.
import { describe, expect, it } from 'vitest';
import { VectorcacheOptionError } from '../../errors.js';
import { EmbedderError } from './errors.js';
import { functionEmbedder } from './function.js';

const opts = { id: 'test:fn', version: '1', dimensions: 3 };

async function code(p: Promise<unknown> | unknown): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EmbedderError);
    return (e as EmbedderError).code;
  }
  return 'resolved';
}

describe('functionEmbedder', () => {
  it('passes texts and the signal through and returns normalised Float32Arrays', async () => {
    const seen: Array<{ texts: readonly string[]; signal: AbortSignal | undefined }> = [];
    const e = functionEmbedder((texts, { signal }) => {
      seen.push({ texts, signal });
      return texts.map((t) => [t.length, 0, 0]);
    }, opts);
    const signal = new AbortController().signal;
    const out = await e.embed(['ab', 'abcd'], { signal });
    expect(out.map((v) => Array.from(v))).toEqual([[1, 0, 0], [1, 0, 0]]);
    expect(seen[0]).toEqual({ texts: ['ab', 'abcd'], signal });
    expect([e.id, e.version, e.dimensions]).toEqual(['test:fn', '1', 3]);
    const async = functionEmbedder(async () => [new Float64Array([3, 4, 0])], opts);
    expect(Array.from((await async.embed(['x']))[0] as Float32Array)).toEqual([0.6, 0.8, 0].map(Math.fround));
  });

  it('rejects wrong counts, wrong lengths, non-finite and zero vectors, and wraps a throw', async () => {
    expect(await code(functionEmbedder(() => [], opts).embed(['x']))).toBe('embedder_bad_output');
    expect(await code(functionEmbedder(() => [[1, 2]], opts).embed(['x']))).toBe('embedder_bad_output');
    expect(await code(functionEmbedder(() => [[1, Number.NaN, 0]], opts).embed(['x']))).toBe('embedder_bad_output');
    expect(await code(functionEmbedder(() => [[0, 0, 0]], opts).embed(['x']))).toBe('embedder_bad_output');
    expect(await code(functionEmbedder(() => ['abc' as never], opts).embed(['x']))).toBe('embedder_bad_output');
    expect(await code(functionEmbedder(() => { throw new Error('model crashed'); }, opts).embed(['x']))).toBe('embedder_unavailable');
    expect(await code(functionEmbedder(async () => Promise.reject(new Error('down')), opts).embed(['x']))).toBe('embedder_unavailable');
  });

  it('validates its options at construction', () => {
    const refused = (o: object, option: string) =>
      expect(() => functionEmbedder(() => [], o as never)).toThrowError(expect.objectContaining({ option }) as unknown as VectorcacheOptionError);
    refused({ ...opts, id: '' }, 'id');
    refused({ ...opts, version: '' }, 'version');
    refused({ ...opts, dimensions: 0 }, 'dimensions');
    refused({ ...opts, dimensions: 1.5 }, 'dimensions');
    expect(() => functionEmbedder('nope' as never, opts)).toThrowError(VectorcacheOptionError);
  });
});
