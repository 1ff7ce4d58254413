// The repository reads nothing outside itself: every path a source file builds from its own location stays inside the checkout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

// `new URL('<path>', import.meta.url)` and `resolve|join(import.meta.dirname | __dirname, '<path>', …)`; for a
// template literal only the part before the first `${` counts (it fixes the folder).
const PATTERNS = [
  /new URL\(\s*(['"`])((?:(?!\1).)*?)\1\s*,\s*import\.meta\.url/g,
  /(?:resolve|join)\(\s*(?:import\.meta\.dirname|__dirname)\s*,\s*(['"`])((?:(?!\1).)*?)\1/g,
];

/** The relative paths in `text` (a file at `file`, relative to the root) that resolve outside the root. */
function escapes(file: string, text: string): string[] {
  const out: string[] = [];
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const literal = match[2]!.split('${')[0]!;
      if (!literal.startsWith('.')) continue;
      const target = resolve(ROOT, dirname(file), literal);
      if (target !== ROOT && !target.startsWith(ROOT + sep)) out.push(`${file}: ${literal}`);
    }
  }
  return out;
}

describe('self-contained repository', () => {
  it('flags a path that climbs out of the checkout (as the Fernet vectors once did)', () => {
    // The source text of a template literal, written without one here.
    const name = '$' + '{name}';
    // Assembled from pieces so that this test's own text never looks like a read outside the repository.
    const outside = `${'../'.repeat(5)}${'sha'}red`;
    const before = `readFileSync(new URL(\`${outside}/data/fernet-spec/${name}.json\`, import.meta.url), 'utf8')`;
    expect(escapes('packages/core/src/crypto/fernet.test.ts', before)).toHaveLength(1);
    const after = `readFileSync(new URL(\`../../../../test/fixtures/fernet-spec/${name}.json\`, import.meta.url), 'utf8')`;
    expect(escapes('packages/core/src/crypto/fernet.test.ts', after)).toEqual([]);
    expect(escapes('test/x/y.test.ts', "resolve(import.meta.dirname, '../../..')")).toHaveLength(1);
  });

  it('no tracked source file builds a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.mts', '*.cts', '*.js', '*.mjs', '*.cjs'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && f !== relative(ROOT, import.meta.filename).split(sep).join('/'));
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => escapes(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });
});
