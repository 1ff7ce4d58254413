// `vectorcache doctor`: checks the process environment and a project folder against the security checklist.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { parseArgs } from 'node:util';
import { keyHint, keyStatus, parseApiKey, parseDuration, type KeyRecord } from '@vectorcache/core';
import { UsageError, type CliIo, type CommandGroup } from './context.js';
import { DEFAULT_KEY_STORE, openKeyStore } from './store-url.js';

export const DOCTOR_USAGE = `Usage:
  vectorcache doctor [--dir <path>] [--json]

Checks the environment of this process (VECTORCACHE_* variables) and the project folder (default:
the current directory) against the security checklist. Prints one pass / warn / fail line per
check with the fix, and exits 1 when any check fails (0 otherwise), so it can gate a deploy.
Never prints a key or a secret: keys are shown by their hint, secrets by their length.
`;

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  /** What to do about it (absent on a pass). */
  fix?: string;
}

/** Days after which a key should be rotated (the guard's `keyRotation` default). */
export const ROTATION_DAYS = 90;
const DAY = 86_400_000;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.next', '.turbo', '.cache', 'build']);
const BINARY = /\.(png|jpe?g|gif|webp|ico|pdf|zip|gz|tgz|br|woff2?|ttf|eot|mp[34]|mov|wasm|node|so|dylib|exe|lock)$/i;
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 1_048_576;
const KEY_PATTERN = /vc_[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g;
const ENV_FILE = /^\.env(\..+)?$/;
const ENV_TEMPLATE = /\.(example|sample|template|dist|defaults)$/;
const PLACEHOLDERS = ['changeme', 'change-me', 'change_me', 'secret', 'password', 'example', 'placeholder', 'your-secret', 'yoursecret', 'replace', 'default', 'xxxxxxxx', '0123456789', 'abcdefgh', 'openssl'];

function isProd(env: Record<string, string | undefined>): boolean {
  return (env.VECTORCACHE_ENV ?? 'dev') === 'prod';
}

function falsy(value: string | undefined): boolean {
  return value !== undefined && /^(0|false|no|off)$/i.test(value.trim());
}

// ------------------------------------------------------------------ project folder

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

function envFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => ENV_FILE.test(name) && !ENV_TEMPLATE.test(name) && fs.statSync(nodePath.join(dir, name)).isFile());
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------ checks

function checkEnvIgnored(dir: string, ignored: Map<string, boolean>): CheckResult {
  const names = envFiles(dir);
  if (names.length === 0) return { id: 'env-file-ignored', status: 'pass', message: 'No .env file in the project folder.' };
  const exposed = names.filter((name) => !ignored.get(name));
  if (exposed.length === 0) return { id: 'env-file-ignored', status: 'pass', message: `${names.join(', ')} ignored by git.` };
  return {
    id: 'env-file-ignored', status: 'fail',
    message: `${exposed.join(', ')} not ignored by git: its secrets would be committed.`,
    fix: `Add ".env*" (and "!.env.example") to .gitignore; if it was ever committed, rotate every key and secret in it (git rm --cached ${exposed[0]}).`,
  };
}

function checkKeysInSource(scan: ScanResult): CheckResult {
  if (scan.found.length === 0) {
    return { id: 'keys-in-source', status: 'pass', message: `No API key in ${scan.files} files of the project${scan.truncated ? ` (stopped after ${MAX_FILES} files)` : ''}.` };
  }
  const where = scan.found.slice(0, 5).map((f) => `${f.file}:${f.line} (${f.hint})`).join(', ');
  return {
    id: 'keys-in-source', status: 'fail',
    message: `${scan.found.length} API key${scan.found.length === 1 ? '' : 's'} in project files: ${where}${scan.found.length > 5 ? ', …' : ''}.`,
    fix: 'Read keys from the environment (process.env) instead; rotate every key that was written in a file: vectorcache keys rotate <keyId> --grace 1h.',
  };
}

async function checkKeyStore(io: CliIo, dir: string): Promise<CheckResult[]> {
  const env = io.env;
  const url = env.VECTORCACHE_KEY_STORE || DEFAULT_KEY_STORE;
  if (url.startsWith('file:') && !url.startsWith('file://')) {
    const path = nodePath.resolve(dir, url.slice('file:'.length));
    if (!fs.existsSync(path)) {
      return [{ id: 'key-store', status: 'warn', message: `No key store at ${nodePath.relative(dir, path) || path}.`, fix: 'Set VECTORCACHE_KEY_STORE to the store the server uses (file:<path> or rediss://…), or create keys: vectorcache keys create …' }];
    }
  }
  let records: KeyRecord[];
  try {
    const opened = await openKeyStore(url, { env, cwd: dir, group: 'doctor' });
    try {
      await opened.store.init?.();
      records = await opened.store.list();
    } finally {
      await opened.close();
    }
  } catch (error) {
    return [{ id: 'key-store', status: 'warn', message: `Cannot read the key store (${(error as Error).message.split('\n')[0]!.replace(/rediss?:\/\/\S+/g, 'redis://…')}).`, fix: 'Check VECTORCACHE_KEY_STORE and that the store is reachable from here.' }];
  }
  const now = (io.now?.() ?? new Date()).getTime();
  const active = records.filter((r) => keyStatus(r, now) === 'active' || keyStatus(r, now) === 'rotated');
  const environment = env.VECTORCACHE_ENV ?? 'dev';
  const foreign = active.filter((r) => r.environment !== environment);
  const results: CheckResult[] = [];
  if (foreign.length === 0) {
    results.push({ id: 'key-environments', status: 'pass', message: `${active.length} usable key${active.length === 1 ? '' : 's'}, all for ${environment}.` });
  } else {
    const list = foreign.slice(0, 5).map((r) => `${r.id} (${r.hint})`).join(', ');
    results.push({
      id: 'key-environments', status: environment === 'prod' ? 'fail' : 'warn',
      message: `${foreign.length} key${foreign.length === 1 ? '' : 's'} of another environment in the ${environment} store: ${list}${foreign.length > 5 ? ', …' : ''}.`,
      fix: 'Keep one key store per environment; revoke keys that do not belong here: vectorcache keys revoke <keyId>.',
    });
  }
  const old = active.filter((r) => !r.rotatedTo && now - Date.parse(r.createdAt) > ROTATION_DAYS * DAY);
  if (old.length === 0) {
    results.push({ id: 'key-rotation', status: 'pass', message: `No usable key is older than ${ROTATION_DAYS} days.` });
  } else {
    const list = old.slice(0, 5).map((r) => `${r.id} (${r.hint}, ${Math.floor((now - Date.parse(r.createdAt)) / DAY)} days)`).join(', ');
    results.push({
      id: 'key-rotation', status: 'warn',
      message: `${old.length} key${old.length === 1 ? ' is' : 's are'} older than ${ROTATION_DAYS} days: ${list}${old.length > 5 ? ', …' : ''}.`,
      fix: 'Rotate each with a grace period for the clients to switch: vectorcache keys rotate <keyId> --grace 24h.',
    });
  }
  return results;
}

function checkHttpsOnly(env: Record<string, string | undefined>): CheckResult {
  const off = falsy(env.VECTORCACHE_HTTPS_ONLY);
  if (!isProd(env)) return { id: 'https-only', status: 'pass', message: `HTTPS-only is ${off || env.VECTORCACHE_HTTPS_ONLY === undefined ? 'off' : 'on'} outside prod.` };
  if (off) return { id: 'https-only', status: 'fail', message: 'VECTORCACHE_HTTPS_ONLY turns HTTPS-only off in prod: keys would cross the network in clear.', fix: 'Unset VECTORCACHE_HTTPS_ONLY (it defaults to true in prod) and terminate TLS at the server or a trusted proxy.' };
  return { id: 'https-only', status: 'pass', message: 'HTTPS-only is on.' };
}

function checkTrustProxy(env: Record<string, string | undefined>): CheckResult {
  const value = (env.VECTORCACHE_TRUST_PROXY ?? '').trim().toLowerCase();
  if (value === 'true') {
    return {
      id: 'trust-proxy', status: isProd(env) ? 'fail' : 'warn',
      message: 'VECTORCACHE_TRUST_PROXY=true trusts every hop: any client can forge X-Forwarded-For and defeat the IP allowlist and lockout.',
      fix: 'List your proxies instead, e.g. VECTORCACHE_TRUST_PROXY=loopback,10.0.0.0/8 (or a hop count).',
    };
  }
  return { id: 'trust-proxy', status: 'pass', message: value === '' || value === 'false' ? 'No proxy is trusted.' : 'Trusted proxies are listed explicitly.' };
}

function checkAllowlist(env: Record<string, string | undefined>): CheckResult {
  const entries = (env.VECTORCACHE_IP_ALLOWLIST ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const open = entries.filter((e) => /\/0$/.test(e) || e === '*');
  if (open.length > 0) {
    return { id: 'ip-allowlist', status: 'fail', message: `VECTORCACHE_IP_ALLOWLIST contains ${open.join(', ')}, which allows every address.`, fix: 'List the networks your clients call from, e.g. 203.0.113.0/24,10.0.0.0/8; or unset it on purpose.' };
  }
  if (entries.length === 0) {
    return isProd(env)
      ? { id: 'ip-allowlist', status: 'warn', message: 'No IP allowlist: any address may present a key.', fix: 'Set VECTORCACHE_IP_ALLOWLIST to your clients\' networks, or per-key allowlists (keys create --allow-ip).' }
      : { id: 'ip-allowlist', status: 'pass', message: 'No IP allowlist (fine outside prod).' };
  }
  return { id: 'ip-allowlist', status: 'pass', message: `IP allowlist of ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}.` };
}

/** Why a secret is weak, or undefined when it looks strong. */
export function secretWeakness(secret: string): string | undefined {
  if (secret.length < 32) return `it has ${secret.length} characters (at least 32 needed)`;
  if (new Set(secret).size < 8) return 'it repeats too few distinct characters';
  const lower = secret.toLowerCase();
  const placeholder = PLACEHOLDERS.find((p) => lower.includes(p));
  if (placeholder !== undefined) return 'it contains a placeholder word';
  if (/^(.{1,16})\1+.{0,15}$/s.test(secret)) return 'it is a repeated pattern';
  return undefined;
}

function checkSecret(env: Record<string, string | undefined>): CheckResult {
  const secret = env.VECTORCACHE_ENCRYPTION_SECRET;
  const fix = 'Set VECTORCACHE_ENCRYPTION_SECRET from a secret manager to a random value, e.g. `openssl rand -hex 32`; to replace one in use, keep the old one in previousSecrets and run vectorcache crypto rotate.';
  if (!secret) {
    return isProd(env)
      ? { id: 'encryption-secret', status: 'fail', message: 'VECTORCACHE_ENCRYPTION_SECRET is not set: prod refuses to start (cache entries must be encrypted).', fix }
      : { id: 'encryption-secret', status: 'pass', message: 'No encryption secret set (dev generates and keeps one locally).' };
  }
  const weak = secretWeakness(secret);
  if (weak) return { id: 'encryption-secret', status: isProd(env) ? 'fail' : 'warn', message: `The encryption secret is weak: ${weak}.`, fix };
  return { id: 'encryption-secret', status: 'pass', message: `Encryption secret set (${secret.length} characters).` };
}

function checkRedisTls(env: Record<string, string | undefined>): CheckResult {
  const plain: string[] = [];
  let loopbackOnly = true;
  for (const name of ['VECTORCACHE_CACHE', 'VECTORCACHE_KEY_STORE'] as const) {
    const value = env[name];
    if (!value || !/^redis:\/\//i.test(value)) continue;
    plain.push(name);
    let host = '';
    try { host = new URL(value).hostname; } catch { /* counted as remote */ }
    if (!['localhost', '127.0.0.1', '[::1]', '::1'].includes(host)) loopbackOnly = false;
  }
  if (plain.length === 0) return { id: 'redis-tls', status: 'pass', message: 'No plain-text Redis connection configured.' };
  if (!isProd(env)) return { id: 'redis-tls', status: 'pass', message: `${plain.join(' and ')} use redis:// (fine outside prod).` };
  return {
    id: 'redis-tls', status: loopbackOnly ? 'warn' : 'fail',
    message: `${plain.join(' and ')} use${plain.length === 1 ? 's' : ''} redis:// without TLS${loopbackOnly ? ' (on loopback)' : ''}: keys, counters and entries cross the network in clear.`,
    fix: 'Use rediss://host:6380/0 (TLS) with a password or ACL user.',
  };
}

function checkRetention(env: Record<string, string | undefined>): CheckResult {
  const value = env.VECTORCACHE_RETENTION;
  if (value === undefined || value.trim() === '') {
    return { id: 'retention', status: 'warn', message: 'VECTORCACHE_RETENTION is not set: the built-in default of 30 days applies, but no policy is declared for this deployment.', fix: 'Set VECTORCACHE_RETENTION (e.g. 30d) to the period your privacy policy promises.' };
  }
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) return { id: 'retention', status: 'fail', message: 'VECTORCACHE_RETENTION is not a duration.', fix: 'Use a duration such as 30d, 24h or 15m.' };
  return { id: 'retention', status: 'pass', message: `Retention ${value.trim()}.` };
}

/** Runs every check; never throws for a bad configuration (that is what the results are for). */
export async function runDoctor(io: CliIo, dir: string): Promise<CheckResult[]> {
  const env = io.env;
  const ignored = new Map<string, boolean>();
  for (const name of envFiles(dir)) ignored.set(name, gitIgnored(dir, name) ?? gitignoreIgnores(dir, name));
  // A git-ignored .env is where keys belong; anything else with a key in it is source.
  const skip = (file: string) => nodePath.dirname(file) === dir && ignored.get(nodePath.basename(file)) === true;
  return [
    checkKeysInSource(scanForKeys(dir, skip)),
    checkEnvIgnored(dir, ignored),
    ...(await checkKeyStore(io, dir)),
    checkHttpsOnly(env),
    checkTrustProxy(env),
    checkAllowlist(env),
    checkSecret(env),
    checkRedisTls(env),
    checkRetention(env),
  ];
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

export const doctorCommand: CommandGroup = {
  summary: 'Check the environment and project folder against the security checklist',
  usage: DOCTOR_USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    let values: { dir?: string; json?: boolean; help?: boolean };
    try {
      ({ values } = parseArgs({ args, options: { dir: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      throw new UsageError(`doctor: ${(error as Error).message.split('\n')[0]!}`, 'doctor');
    }
    if (values.help) {
      io.stdout.write(DOCTOR_USAGE);
      return 0;
    }
    const dir = nodePath.resolve(io.cwd ?? process.cwd(), values.dir ?? '.');
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`doctor: --dir ${values.dir ?? '.'} is not a directory`, 'doctor');
    const results = await runDoctor(io, dir);
    const counts = { pass: 0, warn: 0, fail: 0 };
    for (const r of results) counts[r.status]++;
    const ok = counts.fail === 0;
    if (values.json) {
      io.stdout.write(JSON.stringify({ ok, environment: io.env.VECTORCACHE_ENV ?? 'dev', dir, counts, checks: results }) + '\n');
    } else {
      const width = Math.max(...results.map((r) => r.id.length));
      for (const r of results) {
        io.stdout.write(`${LABEL[r.status]}  ${r.id.padEnd(width)}  ${r.message}\n`);
        if (r.fix) io.stdout.write(`      ${' '.repeat(width)}  fix: ${r.fix}\n`);
      }
      io.stdout.write(`\n${counts.pass} passed, ${counts.warn} warning${counts.warn === 1 ? '' : 's'}, ${counts.fail} failed (environment ${io.env.VECTORCACHE_ENV ?? 'dev'})\n`);
    }
    return ok ? 0 : 1;
  },
};
