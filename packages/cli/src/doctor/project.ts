// doctor's project-folder checks: API keys written into files, .env files git would commit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { keyHint, parseApiKey, type Finding } from '@vectorcache/core';

const SOURCE = 'project folder';
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.next', '.turbo', '.cache', 'build']);
const BINARY = /\.(png|jpe?g|gif|webp|ico|pdf|zip|gz|tgz|br|woff2?|ttf|eot|mp[34]|mov|wasm|node|so|dylib|exe|lock)$/i;
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 1_048_576;
const KEY_PATTERN = /vc_[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g;
const ENV_FILE = /^\.env(\..+)?$/;
const ENV_TEMPLATE = /\.(example|sample|template|dist|defaults)$/;

interface ScanResult {
  files: number;
  truncated: boolean;
  found: Array<{ file: string; line: number; hint: string }>;
}

function* walk(dir: string, budget: { files: number }): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (budget.files >= MAX_FILES) return;
    const full = nodePath.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(full, budget);
    } else if (entry.isFile() && !BINARY.test(entry.name)) {
      budget.files++;
      yield full;
    }
  }
}

/** Finds well-formed keys (valid checksum) in the folder's files; `skip` leaves out git-ignored .env files. */
export function scanForKeys(dir: string, skip: (file: string) => boolean = () => false): ScanResult {
  const budget = { files: 0 };
  const found: ScanResult['found'] = [];
  for (const file of walk(dir, budget)) {
    if (skip(file)) continue;
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_FILE_BYTES) continue;
      const bytes = fs.readFileSync(file);
      if (bytes.includes(0)) continue;
      text = bytes.toString('utf8');
    } catch {
      continue;
    }
    if (!text.includes('vc_')) continue;
    for (const match of text.matchAll(KEY_PATTERN)) {
      if (!parseApiKey(match[0])) continue;
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ file: nodePath.relative(dir, file), line, hint: keyHint(match[0]) });
    }
  }
  return { files: budget.files, truncated: budget.files >= MAX_FILES, found };
}

/** Whether git ignores `file` (undefined when `dir` is not in a git work tree or git is missing). */
function gitIgnored(dir: string, file: string): boolean | undefined {
  const result = spawnSync('git', ['check-ignore', '-q', '--', file], { cwd: dir, stdio: 'ignore', timeout: 5_000 });
  if (result.status === 0) return true;
  if (result.status === 1) return false;
  return undefined;
}

/** A .gitignore reading good enough for `.env` names: exact names and `*` globs, last match wins. */
function gitignoreIgnores(dir: string, name: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(nodePath.join(dir, '.gitignore'), 'utf8');
  } catch {
    return false;
  }
  let ignored = false;
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    line = line.replace(/^\//, '').replace(/^\*\*\//, '');
    if (line.endsWith('/')) continue;
    const pattern = new RegExp(`^${line.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    if (pattern.test(name)) ignored = !negate;
  }
  return ignored;
}

export function envFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => ENV_FILE.test(name) && !ENV_TEMPLATE.test(name) && fs.statSync(nodePath.join(dir, name)).isFile());
  } catch {
    return [];
  }
}

function checkEnvIgnored(dir: string, ignored: Map<string, boolean>): Finding {
  const names = envFiles(dir);
  if (names.length === 0) return { id: 'env-file-ignored', status: 'pass', source: SOURCE, message: 'No .env file in the project folder.' };
  const exposed = names.filter((name) => !ignored.get(name));
  if (exposed.length === 0) return { id: 'env-file-ignored', status: 'pass', source: SOURCE, message: `${names.join(', ')} ignored by git.` };
  return {
    id: 'env-file-ignored', status: 'fail', source: SOURCE,
    message: `${exposed.join(', ')} not ignored by git: its secrets would be committed.`,
    fix: `Add ".env*" (and "!.env.example") to .gitignore; if it was ever committed, rotate every key and secret in it (git rm --cached ${exposed[0]}).`,
  };
}

function checkKeysInSource(scan: ScanResult): Finding {
  if (scan.found.length === 0) {
    return { id: 'keys-in-source', status: 'pass', source: SOURCE, message: `No API key in ${scan.files} files of the project${scan.truncated ? ` (stopped after ${MAX_FILES} files)` : ''}.` };
  }
  const where = scan.found.slice(0, 5).map((f) => `${f.file}:${f.line} (${f.hint})`).join(', ');
  return {
    id: 'keys-in-source', status: 'fail', source: SOURCE,
    message: `${scan.found.length} API key${scan.found.length === 1 ? '' : 's'} in project files: ${where}${scan.found.length > 5 ? ', …' : ''}.`,
    fix: 'Read keys from the environment (process.env) instead; rotate every key that was written in a file: vectorcache keys rotate <keyId> --grace 1h.',
  };
}

/** Both project checks; a git-ignored .env is where keys belong, anything else with a key in it is source. */
export function projectChecks(dir: string): Finding[] {
  const ignored = new Map<string, boolean>();
  for (const name of envFiles(dir)) ignored.set(name, gitIgnored(dir, name) ?? gitignoreIgnores(dir, name));
  const skip = (file: string) => nodePath.dirname(file) === dir && ignored.get(nodePath.basename(file)) === true;
  return [checkKeysInSource(scanForKeys(dir, skip)), checkEnvIgnored(dir, ignored)];
}
