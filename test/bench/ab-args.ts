// Arguments of the before/after scripts (gate-ab, capture-ab, simd-ab): the other checkout's core, and numeric flags.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The core (or the module at `path` in it) of the checkout named by `--base=<path>` (installed), or exits with `usage`. */
export async function baseCore<T>(usage: string, path = 'packages/core/src/index.ts'): Promise<T> {
  const baseArg = process.argv.find((a) => a.startsWith('--base='));
  if (!baseArg) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  return (await import(pathToFileURL(join(baseArg.slice(7), path)).href)) as T;
}

/** `--<name>=N`, or `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  return Number(process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback);
}

/** The two sides in round `r`'s order: it flips every round so neither side always runs on a warmer or cooler machine. */
export function sidesInOrder(r: number): readonly ['base', 'here'] | readonly ['here', 'base'] {
  return r % 2 ? (['here', 'base'] as const) : (['base', 'here'] as const);
}
