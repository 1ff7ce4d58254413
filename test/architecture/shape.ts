// Measures the source tree's shape with the TypeScript compiler API: file sizes, function lengths, import circles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

/** Source files of the packages and the example apps: no tests, benches or type fixtures. */
export function sourceFiles(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules' && name !== 'dist') walk(path);
      } else if (/\.ts$/.test(name) && !/\.(test|bench)\.ts$/.test(name) && !name.endsWith('.d.ts')) {
        out.push(path);
      }
    }
  };
  for (const group of ['packages', 'examples']) {
    for (const pkg of readdirSync(join(root, group))) {
      const src = join(root, group, pkg, 'src');
      try { if (statSync(src).isDirectory()) walk(src); } catch { /* a package without src */ }
    }
  }
  return out.sort();
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Lines of code in a file, not counting blank lines. */
export function fileLines(path: string): number {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '').length;
}

export interface LongFunction { file: string; name: string; lines: number }

function nameOf(node: ts.Node, file: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(file);
  return '(anonymous)';
}

/** Every function, method, accessor or arrow longer than `max` lines (first to last line of its body). */
export function longFunctions(files: readonly string[], max = MAX_FUNCTION_LINES): LongFunction[] {
  const out: LongFunction[] = [];
  for (const path of files) {
    const file = parse(path);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
        const body = (node as ts.FunctionLikeDeclaration).body!;
        const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
        const end = file.getLineAndCharacterOfPosition(body.getEnd()).line;
        if (end - start + 1 > max) out.push({ file: relative(ROOT, path), name: nameOf(node, file), lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return out;
}

/** Relative imports and re-exports of a file (type-only ones included), resolved to files. */
function importsOf(path: string): string[] {
  const file = parse(path);
  const out: string[] = [];
  for (const statement of file.statements) {
    const spec = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ? statement.moduleSpecifier : undefined;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const target = resolve(dirname(path), spec.text).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}

/** Import circles between source files, each as the list of files around it (Tarjan's strongly connected components). */
export function importCircles(files: readonly string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const strong = (v: string): void => {
    indexes.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!indexes.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexes.get(w)!));
    }
    if (low.get(v) === indexes.get(v)) {
      const component: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); component.push(relative(ROOT, w)); } while (w !== v);
      const selfLoop = graph.get(v)!.includes(v);
      if (component.length > 1 || selfLoop) circles.push(component.sort());
    }
  };
  for (const f of files) if (!indexes.has(f)) strong(f);
  return circles;
}
