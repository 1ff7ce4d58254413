// Loads the app module `doctor --config` names (ESM or CJS; TypeScript through tsx) and finds its guard options or guard.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { isGuard, type Finding, type GuardOptions } from '@vectorcache/core';
import { CommandError, UsageError } from '../context.js';

/** What doctor needs of a guard: `doctor()` is optional until the core offers it. */
export interface GuardLike {
  readonly environment: string;
  doctor?: () => Finding[] | Promise<Finding[]>;
  close?: () => Promise<void>;
}

export type AppConfig = { source: string; close(): Promise<void> } & (
  | { kind: 'options'; options: Partial<GuardOptions> }
  | { kind: 'guard'; guard: GuardLike }
);

type TsxApi = { tsImport(specifier: string, parentUrl: string): Promise<unknown> };

const TYPESCRIPT = /\.[cm]?tsx?$/i;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function looksLikeGuard(value: unknown): value is GuardLike {
  if (isGuard(value)) return true;
  return isObject(value) && typeof value.environment === 'string' && ['handle', 'complete', 'ready', 'close'].every((m) => typeof value[m] === 'function');
}

/**
 * tsx's ESM API (`tsImport`), the app's own tsx first (resolved from the module's folder), then the
 * working directory's, then the one beside this CLI. Its ESM entry is imported by path: the CommonJS
 * entry cannot load its own ESM half.
 */
export async function findTsx(file: string, cwd: string): Promise<TsxApi | undefined> {
  // import.meta.url is empty in the CommonJS build; the other two still apply there.
  for (const from of [file, nodePath.join(cwd, 'package.json'), import.meta.url].filter(Boolean)) {
    try {
      const manifest = createRequire(from).resolve('tsx/package.json');
      const exportsField = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> }).exports;
      const entry = exportsField?.['./esm/api']?.import?.default;
      if (!entry) continue;
      const api = (await import(pathToFileURL(nodePath.join(nodePath.dirname(manifest), entry)).href)) as Partial<TsxApi>;
      if (typeof api.tsImport === 'function') return api as TsxApi;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

async function importModule(file: string, shown: string, cwd: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // Plain Node cannot load .ts; under tsx, vitest or Node's type stripping the import above already worked.
    if (!TYPESCRIPT.test(file) || (error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  const tsx = await findTsx(file, cwd);
  if (!tsx) throw new CommandError(`--config ${shown} is TypeScript and tsx is not installed: add it (pnpm add -D tsx) or point --config at the built .js file`);
  return (await tsx.tsImport(url, url)) as Record<string, unknown>;
}

/**
 * Named `guard`, named `options`, then the default export. A module compiled to CommonJS (tsx on a
 * .ts file outside `"type": "module"`, or a transpiled app) arrives as `default: module.exports`,
 * holding `guard` / `options` / `default` (marked `__esModule`) itself.
 */
export function pickExport(mod: Record<string, unknown>): unknown {
  const def = mod.default;
  const inner = isObject(def) ? def : {};
  const candidates = [mod.guard, mod.options, inner.guard, inner.options, inner.__esModule === true ? inner.default : undefined, def];
  return candidates.find((v) => v !== undefined);
}

async function shutdownStores(options: Partial<GuardOptions>): Promise<void> {
  const stores = [options.keys, options.cache, options.counters, options.secrets] as Array<{ shutdown?: () => unknown } | false | undefined>;
  await Promise.allSettled(stores.map((s) => (s && typeof s.shutdown === 'function' ? s.shutdown() : undefined)));
}

/**
 * Imports `path` (relative to `cwd`) and returns the guard options or guard it exports. A missing
 * file is a usage error; a module that throws or exports neither is a command error, in one line.
 */
export async function loadAppConfig(path: string, cwd: string): Promise<AppConfig> {
  const file = nodePath.resolve(cwd, path);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`doctor: --config ${path} is not a file`, 'doctor');
  const source = `config ${path}`;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file, path, cwd);
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`cannot load --config ${path}: ${(error as Error).message?.split('\n')[0] ?? String(error)}`, { cause: error });
  }
  const value = pickExport(mod);
  if (looksLikeGuard(value)) return { kind: 'guard', guard: value, source, close: async () => { await value.close?.(); } };
  if (isObject(value) && !Array.isArray(value)) {
    const options = value as Partial<GuardOptions>;
    return { kind: 'options', options, source, close: () => shutdownStores(options) };
  }
  throw new CommandError(`--config ${path} exports no guard options: export the object you pass to createGuard (default export, or named \`options\`), or the guard (named \`guard\`)`);
}
