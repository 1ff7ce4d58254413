// Keeps the source tree's shape: no file above ~400 lines (data tables aside), no function above 80, no import circle.
import { describe, expect, it } from 'vitest';
import { relative } from 'node:path';
import { fileLines, importCircles, longFunctions, MAX_FILE_LINES, ROOT, sourceFiles } from './shape.js';

/** Data tables: long by nature, not by logic. */
const DATA_TABLES = new Set(['packages/core/src/pii/corpus.ts', 'packages/core/src/monitor/events.ts']);

describe('source shape', () => {
  const files = sourceFiles();

  it('finds the packages\' sources', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.map((f) => relative(ROOT, f))).toContain('packages/core/src/gate/pipeline.ts');
  });

  it(`no source file above ${MAX_FILE_LINES} lines of code`, () => {
    const big = files.map((f) => ({ file: relative(ROOT, f), lines: fileLines(f) }))
      .filter((f) => f.lines > MAX_FILE_LINES && !DATA_TABLES.has(f.file));
    expect(big).toEqual([]);
  });

  it('no function above 80 lines', () => {
    expect(longFunctions(files)).toEqual([]);
  });

  it('no import circle, type-only imports included', () => {
    expect(importCircles(files)).toEqual([]);
  });
});

describe('the shape checks themselves', () => {
  it('see a circle and a long function when there is one', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'vc-shape-'));
    const a = join(dir, 'a.ts');
    const b = join(dir, 'b.ts');
    writeFileSync(a, `import type { B } from './b.js';\nexport type A = B;\nexport function long() {\n${'  void 0;\n'.repeat(90)}}\n`);
    writeFileSync(b, `import type { A } from './a.js';\nexport type B = A | 1;\n`);
    expect(importCircles([a, b])).toHaveLength(1);
    expect(longFunctions([a]).map((f) => f.name)).toEqual(['long']);
    expect(longFunctions([b])).toEqual([]);
  });
});
