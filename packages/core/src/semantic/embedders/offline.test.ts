// The offline embedder: deterministic unit vectors, meaning over surface, a versioned table, clear errors when it is missing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbedderError } from './errors.js';
import { OFFLINE_EMBEDDER_ID, offlineEmbedder } from './offline.js';
import { defaultTablePath, loadWordTable } from './table.js';

const embedder = offlineEmbedder();
const embed = (texts: string[]) => embedder.embed(texts) as Float32Array[];
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const sim = (a: string, b: string) => {
  const [x, y] = embed([a, b]) as [Float32Array, Float32Array];
  return cos(x, y);
};

describe('offlineEmbedder', () => {
  it('names itself and versions itself by table content and algorithm', () => {
    expect(embedder.id).toBe(OFFLINE_EMBEDDER_ID);
    const table = loadWordTable();
    expect(embedder.version).toMatch(new RegExp(`^\\d+\\.${table.digest}\\.[0-9a-f]{8}$`));
    expect(embedder.dimensions).toBe(table.dims + 256);
    expect(table.count).toBe(50_000);
  });

  it('returns one L2-normalised vector per text, in order, and the same vector for the same text', () => {
    const texts = ['How do I boil an egg?', 'Explain quantum entanglement simply.', 'How do I boil an egg?'];
    const out = embed(texts);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(embedder.dimensions);
      expect(Math.abs(cos(v, v) - 1)).toBeLessThan(1e-5);
    }
    expect(Array.from(out[0] as Float32Array)).toEqual(Array.from(out[2] as Float32Array));
  });

  it('puts a paraphrase nearer than a question about something else', () => {
    const paraphrase = sim('How long should I boil an egg?', 'For how many minutes do you boil eggs?');
    const other = sim('How long should I boil an egg?', 'What is the capital of France?');
    expect(paraphrase).toBeGreaterThan(other + 0.3);
    expect(sim('What is the time complexity of binary search?', 'Binary search: what is its time complexity?')).toBeGreaterThan(0.84);
  });

  it('gives a text without words a zero vector (similar to nothing) instead of NaN', () => {
    const [v] = embed(['?!… ---']) as [Float32Array];
    expect(v.every((x) => x === 0)).toBe(true);
  });

  it('loads the table once per path and rejects a missing or damaged table with a coded error', () => {
    expect(loadWordTable()).toBe(loadWordTable(defaultTablePath()));
    const dir = mkdtempSync(path.join(tmpdir(), 'vc-table-'));
    const missing = path.join(dir, 'none.bin');
    expect(() => offlineEmbedder({ tablePath: missing })).toThrowError(expect.objectContaining({ code: 'offline_table_missing' }));
    const damaged = path.join(dir, 'damaged.bin');
    const bytes = readFileSync(defaultTablePath());
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(damaged, bytes);
    let error: unknown;
    try {
      offlineEmbedder({ tablePath: damaged });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as EmbedderError).code).toBe('offline_table_corrupt');
    writeFileSync(damaged, 'not a table');
    expect(() => loadWordTable(damaged)).toThrowError(/unreadable \(bad magic\)/);
  });
});
