// `vectorcache privacy erase | export`: a data subject's deletion and access requests, straight on a shared Redis cache.
import { checkRedisStoreUrl, openRedisCacheStore } from './store-url.js';
import { writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import {
  createEntryCipher,
  EntryCodec,
  subjectHash,
  type CacheStore,
  type EncryptionOptions,
  type EraseReceipt,
  type ExportedEntry,
} from '@vectorcache/core';
import { parseCommandLine } from './args.js';
import { CommandError, UsageError, readStdinValue, type CliIo, type CommandGroup } from './context.js';

export const PRIVACY_USAGE = `Usage:
  vectorcache privacy erase  --tenant <id> --subject <id> [--store <redis://…>] [--prefix vc:]
                             [--iterations 100000] [--json]
  vectorcache privacy export --tenant <id> --subject <id> [--store <redis://…>] [--prefix vc:]
                             [--iterations 100000] [--out <file>] [--json]

erase   Deletes every cache entry written for the subject in the tenant and prints a receipt
        { tenant, subject (its keyed hash), erased, at }. Running it again erases 0.
export  Prints the subject's entries, decrypted, as JSON { tenant, subject, at, entries }; with
        --out writes them to a new file (never overwritten, mode 600) and prints a receipt.

--subject  the end user's id exactly as sent in X-Vectorcache-Subject; "-" reads it from stdin
           (keeps it out of shell history). It is never printed: receipts carry its hash.
--store    the guards' cache, redis://host:port/db or rediss://; defaults to VECTORCACHE_CACHE.
           An in-memory cache lives inside its server: use DELETE /v1/vectorcache/subjects/:id.
Encryption as the guards have it: VECTORCACHE_ENCRYPTION_SECRET (required),
VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS (comma-separated, newest first),
VECTORCACHE_ENCRYPTION_SALT, VECTORCACHE_ENCRYPTION_INDEX_SECRET; --iterations and --prefix
must match the guards too, or the subject's hash (and so its entries) cannot be found.
`;

const COMMON = {
  tenant: { type: 'string' }, subject: { type: 'string' }, store: { type: 'string' }, prefix: { type: 'string' },
  iterations: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;
const OPTIONS = {
  erase: { ...COMMON },
  export: { ...COMMON, out: { type: 'string' } },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Subcommand = keyof typeof OPTIONS;
type Values = Record<string, string | boolean | undefined>;

/** What privacy commands read: CliIo, whose `stdin` carries the subject id for `--subject -`. */
export type PrivacyIo = CliIo;

/** Entries whose decryption is tried before an erase, to catch a wrong secret before it erases nothing. */
const SECRET_PROBES = 20;
const MAX_SUBJECT_BYTES = 4096;

function parse(sub: Subcommand, args: string[]): Values {
  // Errors name only the option, never a value (which may be a secret or a subject id).
  const parsed = parseCommandLine(args, OPTIONS[sub], `privacy ${sub}`, 'privacy') as { values: Values; positionals: string[] };
  if (parsed.positionals.length > 0) throw new UsageError(`privacy ${sub} takes no arguments (got ${parsed.positionals.length}); use --subject`, 'privacy');
  return parsed.values;
}

function required(values: Values, flag: string, sub: string): string {
  const value = values[flag];
  if (typeof value !== 'string' || value === '') throw new UsageError(`privacy ${sub} needs --${flag}`, 'privacy');
  return value;
}

async function readSubject(io: PrivacyIo): Promise<string> {
  const subject = await readStdinValue(io, MAX_SUBJECT_BYTES, 'the subject id on stdin is longer than 4 KiB', 'privacy');
  if (subject === '') throw new UsageError('--subject - read an empty id from stdin', 'privacy');
  return subject;
}

/** Encryption options from the same variables the example servers read. */
export function privacyEncryptionFromEnv(env: Record<string, string | undefined>, iterations: number): EncryptionOptions {
  const secret = env.VECTORCACHE_ENCRYPTION_SECRET;
  if (!secret) throw new UsageError('VECTORCACHE_ENCRYPTION_SECRET must be set to the guards\' secret (it derives the subject hash and decrypts exports)', 'privacy');
  const previousSecrets = (env.VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS ?? '').split(',').filter((s) => s !== '');
  return {
    secret, previousSecrets, iterations,
    ...(env.VECTORCACHE_ENCRYPTION_SALT ? { salt: env.VECTORCACHE_ENCRYPTION_SALT } : {}),
    ...(env.VECTORCACHE_ENCRYPTION_INDEX_SECRET ? { indexSecret: env.VECTORCACHE_ENCRYPTION_INDEX_SECRET } : {}),
  };
}

function iterationsOf(value: Values[string]): number {
  if (value === undefined) return 100_000;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000_000) throw new UsageError('--iterations must be an integer from 1 to 100000000', 'privacy');
  return n;
}

const MEMORY_HINT = 'an in-memory cache lives inside its server process: call DELETE /v1/vectorcache/subjects/:id (or GET …/export) with a privacy:admin key instead';

/**
 * Refuses to go on when the secret opens none of the first entries of the store: with a wrong
 * secret the subject hash is wrong too, and an erase would report 0 while the data stays.
 */
async function checkSecretOpensStore(store: CacheStore, codec: EntryCodec): Promise<void> {
  let tried = 0;
  for await (const [, entry] of store.entries()) {
    if (!Array.isArray(entry.enc) || !entry.enc.includes('response')) continue;
    try {
      codec.open(entry, 'response');
      return;
    } catch {
      if (++tried >= SECRET_PROBES) break;
    }
  }
  if (tried > 0) {
    throw new CommandError('the encryption settings open none of the entries tried in this store (wrong VECTORCACHE_ENCRYPTION_SECRET, _SALT, --iterations or --prefix?); nothing was changed');
  }
}

/** Deletes the subject's entries, going round again while writes in flight still land. */
async function eraseEntries(store: CacheStore, tenant: string, subject: string): Promise<number> {
  let erased = 0;
  for (let pass = 0; pass < 3; pass++) {
    erased += Number(await store.deleteSubject(tenant, subject));
    if ((await store.keysForSubject(tenant, subject)).length === 0) break;
  }
  return erased;
}

async function exportEntries(store: CacheStore, codec: EntryCodec, tenant: string, subject: string, now: number): Promise<{ entries: ExportedEntry[]; unreadable: number }> {
  const entries: ExportedEntry[] = [];
  let unreadable = 0;
  for (const key of await store.keysForSubject(tenant, subject)) {
    const entry = await store.get(key);
    // The index must never hand out someone else's entry.
    if (!entry || entry.tenant !== tenant || entry.subject !== subject || entry.expiresAt <= now) continue;
    try {
      entries.push({
        prompt: JSON.parse(codec.open(entry, 'request').text),
        response: JSON.parse(codec.open(entry, 'response').text),
        model: entry.model,
        created: new Date(entry.createdAt).toISOString(),
        expires: new Date(entry.expiresAt).toISOString(),
      });
    } catch {
      unreadable++;
    }
  }
  return { entries, unreadable };
}

async function runPrivacy(sub: Subcommand, values: Values, io: PrivacyIo): Promise<number> {
  const tenant = required(values, 'tenant', sub);
  const rawSubject = required(values, 'subject', sub);
  const url = checkRedisStoreUrl((values.store as string | undefined) ?? io.env.VECTORCACHE_CACHE, 'privacy', MEMORY_HINT);
  const encryption = privacyEncryptionFromEnv(io.env, iterationsOf(values.iterations));
  const out = typeof values.out === 'string' ? nodePath.resolve(io.cwd ?? process.cwd(), values.out) : undefined;
  const subjectId = rawSubject === '-' ? await readSubject(io) : rawSubject;

  const warnings: string[] = [];
  const cipher = await createEntryCipher(encryption, {
    environment: io.env.VECTORCACHE_ENV || 'dev',
    option: 'VECTORCACHE_ENCRYPTION',
    warn: (w) => warnings.push(w.message),
  });
  for (const message of warnings) io.stderr.write(`vectorcache: warning: ${message}\n`);
  const codec = new EntryCodec(cipher);
  const subject = subjectHash(cipher.indexKey, tenant, subjectId);
  const now = io.now?.() ?? new Date();

  const store = await openRedisCacheStore(url, { group: 'privacy', prefix: values.prefix as string | undefined, memoryHint: MEMORY_HINT });
  try {
    await checkSecretOpensStore(store, codec);
    if (sub === 'erase') {
      const erased = await eraseEntries(store, tenant, subject);
      const receipt: EraseReceipt = { tenant, subject, erased, at: (io.now?.() ?? new Date()).toISOString() };
      if (values.json) io.stdout.write(`${JSON.stringify(receipt)}\n`);
      else io.stdout.write(`Erased ${erased} cache ${erased === 1 ? 'entry' : 'entries'} of subject ${subject} in tenant ${tenant}.\nReceipt (keep it): ${JSON.stringify(receipt)}\n`);
      return 0;
    }
    const { entries, unreadable } = await exportEntries(store, codec, tenant, subject, now.getTime());
    const result = { tenant, subject, at: now.toISOString(), entries };
    if (out === undefined) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      try {
        // 'wx': an export is personal data; never overwrite a file, never leave it world-readable.
        await writeFile(out, `${JSON.stringify(result, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CommandError(code === 'EEXIST' ? `--out ${out} already exists; choose a new file` : `cannot write --out ${out} (${code ?? 'error'})`, { cause: error });
      }
      const receipt = { tenant, subject, exported: entries.length, at: result.at, out };
      if (values.json) io.stdout.write(`${JSON.stringify(receipt)}\n`);
      else io.stdout.write(`Exported ${entries.length} cache ${entries.length === 1 ? 'entry' : 'entries'} of subject ${subject} in tenant ${tenant} to ${out}.\n`);
    }
    if (unreadable > 0) {
      io.stderr.write(`vectorcache: ${unreadable} of the subject's entries could not be decrypted (tampered, or a secret is missing from VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS); the export is incomplete\n`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.resolve(store.shutdown?.()).catch(() => undefined);
  }
}

/** The `privacy` command group. */
export const privacyCommand: CommandGroup = {
  summary: 'erase or export one data subject\'s cache entries (deletion and access requests)',
  usage: PRIVACY_USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      (sub === undefined ? io.stderr : io.stdout).write(PRIVACY_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(OPTIONS, sub)) throw new UsageError(`unknown command "privacy ${sub.slice(0, 40)}"; expected erase or export`, 'privacy');
    const subcommand = sub as Subcommand;
    const values = parse(subcommand, rest);
    if (values.help) {
      io.stdout.write(PRIVACY_USAGE);
      return 0;
    }
    return runPrivacy(subcommand, values, io as PrivacyIo);
  },
};
