// `vectorcache crypto rotate | derive-key | generate-secret`: encryption-at-rest chores from the command line.
import { openRedisCacheStore } from './store-url.js';
import { randomBytes } from 'node:crypto';
import type { ParseArgsConfig } from 'node:util';
import {
  createEntryCipher,
  DEFAULT_ENCRYPTION_SALT,
  deriveFernetKey,
  EntryCodec,
  rotateStore,
  type CacheStore,
  type EncryptionOptions,
  type Logger,
  type RotationProgress,
} from '@vectorcache/core';
import { parseCommandLine } from './args.js';
import { CommandError, UsageError, readStdinValue, type CliIo, type CommandGroup } from './context.js';

export const CRYPTO_USAGE = `Usage:
  vectorcache crypto rotate --store <redis://…> [--prefix vc:] [--batch 100] [--iterations 100000] [--json]
  vectorcache crypto derive-key [--stdin] [--salt <salt>] [--iterations 100000]
  vectorcache crypto generate-secret

rotate           Re-encrypts every cache entry still under an older secret (or in plaintext)
                 under the newest one, in batches, keeping each entry's remaining lifetime.
                 Safe to interrupt and rerun. Reads VECTORCACHE_ENCRYPTION_SECRET (newest),
                 VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS (comma-separated, newest first) and
                 VECTORCACHE_ENCRYPTION_SALT. Progress goes to stderr, the summary to stdout.
                 --prefix and --iterations must match the guards' store prefix and encryption.
derive-key       Prints the Fernet key (url-safe base64) that a secret derives to, for a Python
                 service sharing the cache: cryptography.fernet.Fernet(key). The secret comes
                 from stdin with --stdin, else from VECTORCACHE_ENCRYPTION_SECRET.
                 The key decrypts every entry: treat it like the secret itself.
generate-secret  Prints a new random secret (64 hex characters, 256 bits).
`;

const OPTIONS = {
  rotate: {
    store: { type: 'string' }, prefix: { type: 'string' }, batch: { type: 'string' }, iterations: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
  'derive-key': {
    stdin: { type: 'boolean' }, salt: { type: 'string' }, iterations: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
  'generate-secret': { help: { type: 'boolean', short: 'h' } },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Subcommand = keyof typeof OPTIONS;
type Values = Record<string, string | boolean | undefined>;

/** What crypto commands read: CliIo, whose `stdin` carries the secret for `derive-key --stdin`. */
export type CryptoIo = CliIo;

const MAX_STDIN_BYTES = 64 * 1024;

function parse(sub: Subcommand, args: string[]): { values: Values; positionals: string[] } {
  // Errors name only the option, never a value (which may be a secret or a subject id).
  const parsed = parseCommandLine(args, OPTIONS[sub], `crypto ${sub}`, 'crypto') as { values: Values; positionals: string[] };
  if (parsed.positionals.length > 0) {
    // Never echoed: `crypto derive-key <secret>` is an easy mistake.
    throw new UsageError(`crypto ${sub} takes no arguments (got ${parsed.positionals.length}); secrets are read from the environment or stdin`, 'crypto');
  }
  return parsed;
}

function positiveInt(value: Values[string], flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`--${flag} must be an integer from 1 to ${max}`, 'crypto');
  return n;
}

/** Encryption options from the environment, exactly as a guard configured from the same variables. */
export function encryptionFromEnv(env: Record<string, string | undefined>): EncryptionOptions {
  const secret = env.VECTORCACHE_ENCRYPTION_SECRET;
  if (!secret) throw new UsageError('VECTORCACHE_ENCRYPTION_SECRET must be set to the newest secret', 'crypto');
  // Trimmed: `a, b` is a list of two secrets, not one with a leading space.
  const previousSecrets = (env.VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { secret, previousSecrets, ...(env.VECTORCACHE_ENCRYPTION_SALT ? { salt: env.VECTORCACHE_ENCRYPTION_SALT } : {}) };
}

/** The Redis cache to rotate; connection notices go to stderr (they carry the error code, never the URL). */
function openCacheStore(url: string | undefined, prefix: string | undefined, io: CliIo): Promise<CacheStore> {
  const line = (obj: object, msg?: string): void => void io.stderr.write(`${msg ?? 'vectorcache: Redis'} ${JSON.stringify(obj)}\n`);
  const logger: Logger = { info: line, warn: line, error: line };
  return openRedisCacheStore(url, { group: 'crypto', prefix, logger, memoryHint: 'an in-memory cache lives and rotates inside its own process (entries are re-encrypted as they are read)' });
}

function progressLine(p: RotationProgress): string {
  return `rotate: scanned ${p.scanned}, rewritten ${p.rewritten}, skipped ${p.skipped}, failed ${p.failed}\n`;
}

async function rotate(values: Values, io: CliIo): Promise<number> {
  const batchSize = positiveInt(values.batch, 'batch', 100, 10_000);
  const iterations = positiveInt(values.iterations, 'iterations', 100_000, 100_000_000);
  const encryption = { ...encryptionFromEnv(io.env), iterations };
  const warnings: string[] = [];
  const cipher = await createEntryCipher(encryption, {
    environment: io.env.VECTORCACHE_ENV || 'dev',
    option: 'VECTORCACHE_ENCRYPTION',
    // Entry names do not change during a rotation, so the index-secret advice does not apply here.
    warn: (w) => { if (w.code !== 'VC_ENCRYPTION_INDEX_FROM_OLDEST') warnings.push(w.message); },
  });
  for (const message of warnings) io.stderr.write(`vectorcache: warning: ${message}\n`);
  const store = await openCacheStore(values.store as string | undefined, values.prefix as string | undefined, io);
  const controller = new AbortController();
  const stop = (): void => controller.abort(new CommandError('rotate: interrupted; entries done so far stay rotated, run it again to finish'));
  process.once('SIGINT', stop);
  let result: RotationProgress;
  try {
    result = await rotateStore(store, new EntryCodec(cipher), { batchSize, signal: controller.signal, onProgress: (p) => io.stderr.write(progressLine(p)) });
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`rotate stopped: ${(error as Error).message.split('\n')[0]}; entries done so far stay rotated, run it again to finish`, { cause: error });
  } finally {
    process.off('SIGINT', stop);
    await Promise.resolve(store.shutdown?.()).catch(() => undefined);
  }
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    io.stdout.write(
      `Rotated ${result.rewritten} of ${result.scanned} entries to the newest secret ` +
        `(${result.skipped} already current or expired, ${result.failed} undecryptable).\n`,
    );
  }
  if (result.failed > 0) {
    io.stderr.write(
      `vectorcache: ${result.failed} entries could not be decrypted with the configured secrets and were left in place ` +
        '(tampered, or VECTORCACHE_ENCRYPTION_PREVIOUS_SECRETS is missing a secret); guards delete them when they read them\n',
    );
    return 1;
  }
  return 0;
}

function readSecretFromStdin(io: CryptoIo): Promise<string> {
  return readStdinValue(io, MAX_STDIN_BYTES, 'the secret on stdin is longer than 64 KiB', 'crypto');
}

async function deriveKey(values: Values, io: CryptoIo): Promise<number> {
  const iterations = positiveInt(values.iterations, 'iterations', 100_000, 100_000_000);
  const salt = typeof values.salt === 'string' ? values.salt : io.env.VECTORCACHE_ENCRYPTION_SALT || DEFAULT_ENCRYPTION_SALT;
  if (salt === '') throw new UsageError('--salt must not be empty', 'crypto');
  const secret = values.stdin ? await readSecretFromStdin(io) : io.env.VECTORCACHE_ENCRYPTION_SECRET;
  if (!secret) {
    throw new UsageError(values.stdin ? 'no secret on stdin' : 'set VECTORCACHE_ENCRYPTION_SECRET or pipe the secret in with --stdin', 'crypto');
  }
  if (secret.length < 32) io.stderr.write('vectorcache: warning: the secret is shorter than 32 characters (refused in prod)\n');
  const key = await deriveFernetKey(secret, salt, { iterations });
  io.stderr.write(
    'vectorcache: the key below decrypts every cache entry and stored upstream key. Treat it like the secret: ' +
      'pass it to the service through its secret manager, never a log, ticket or repository.\n',
  );
  io.stdout.write(`${key}\n`);
  return 0;
}

/** The `crypto` command group. */
export const cryptoCommand: CommandGroup = {
  summary: 'rotate cache encryption, derive a Fernet key, generate a secret',
  usage: CRYPTO_USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      (sub === undefined ? io.stderr : io.stdout).write(CRYPTO_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(OPTIONS, sub)) throw new UsageError('unknown crypto command (not echoed, in case it was a secret); expected rotate, derive-key or generate-secret', 'crypto');
    const subcommand = sub as Subcommand;
    const { values } = parse(subcommand, rest);
    if (values.help) {
      io.stdout.write(CRYPTO_USAGE);
      return 0;
    }
    switch (subcommand) {
      case 'rotate':
        return rotate(values, io);
      case 'derive-key':
        return deriveKey(values, io as CryptoIo);
      case 'generate-secret':
        io.stdout.write(`${randomBytes(32).toString('hex')}\n`);
        return 0;
    }
  },
};
