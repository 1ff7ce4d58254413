// `vectorcache keys create | list | rotate | revoke`: API key management from the command line.
import type { ParseArgsConfig } from 'node:util';
import {
  createKey,
  keyStatus,
  parseDuration,
  revokeKey,
  rotateKey,
  validateAllowedIps,
  validateScopes,
  type KeyRecord,
} from '@vectorcache/core';
import { parseCommandLine, type ParsedValues } from './args.js';
import { UsageError, type CliIo, type CommandGroup } from './context.js';
import { openKeyStore, type OpenedKeyStore } from './store-url.js';

export const KEYS_USAGE = `Usage:
  vectorcache keys create --env <env> --name <name> --scopes <s1,s2> [--tenant <id>]
                          [--expires-in <90d>] [--allow-ip <cidr>]... [--store <url>] [--json]
  vectorcache keys list                        [--store <url>] [--json]
  vectorcache keys rotate <keyId> --grace <24h> [--store <url>] [--json]
  vectorcache keys revoke <keyId>              [--store <url>] [--json]

Scopes: cache:read, cache:write, analytics:read, privacy:admin, keys:admin, <resource>:*, *
Durations: 90d, 24h, 15m, 2s. --allow-ip may be repeated or comma-separated.
--store: file:<path> (default file:.vectorcache/keys.json) or redis://host:port/db;
         also read from VECTORCACHE_KEY_STORE. --env defaults to VECTORCACHE_ENV.
`;

const COMMON = { store: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const OPTIONS = {
  create: {
    ...COMMON,
    env: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    tenant: { type: 'string' },
    'expires-in': { type: 'string' },
    'allow-ip': { type: 'string', multiple: true },
  },
  list: { ...COMMON },
  rotate: { ...COMMON, grace: { type: 'string' } },
  revoke: { ...COMMON },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Subcommand = keyof typeof OPTIONS;
type Values = ParsedValues;

// Core option names as the user typed them on this command line.
const FLAG_FOR_OPTION: Record<string, string> = {
  environment: '--env', name: '--name', scopes: '--scopes', tenant: '--tenant', expiresInMs: '--expires-in', allowedIps: '--allow-ip', graceMs: '--grace',
};

/** Rewrites "option `tenant`" in a core error into "option `--tenant`". */
export function flagMessage(message: string): string {
  return message.replace(/option `([A-Za-z]+)`/, (whole, option: string) => (FLAG_FOR_OPTION[option] ? `option \`${FLAG_FOR_OPTION[option]}\`` : whole));
}

function parse(sub: Subcommand, args: string[]): { values: Values; positionals: string[] } {
  return parseCommandLine(args, OPTIONS[sub], `keys ${sub}`, 'keys');
}

function requireString(values: Values, flag: string, sub: string): string {
  const value = values[flag];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`keys ${sub} needs --${flag}`, 'keys');
  return value.trim();
}

function splitList(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.flatMap((item) => item.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function keyIdArgument(positionals: string[], sub: string): string {
  if (positionals.length === 0) throw new UsageError(`keys ${sub} needs a key id (see \`vectorcache keys list\`)`, 'keys');
  if (positionals.length > 1) throw new UsageError(`keys ${sub} takes one key id, got ${positionals.length} arguments`, 'keys');
  return positionals[0]!;
}

/** What `list` shows of a record: everything but the hash. */
export function publicRecord(record: KeyRecord, now: number) {
  return {
    id: record.id,
    name: record.name,
    environment: record.environment,
    tenant: record.tenant,
    scopes: record.scopes,
    hint: record.hint,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt ?? null,
    revokedAt: record.revokedAt ?? null,
    rotatedTo: record.rotatedTo ?? null,
    rotatedFrom: record.rotatedFrom ?? null,
    allowedIps: record.allowedIps ?? [],
    status: keyStatus(record, now),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function keyBlock(key: string): string {
  return `\n  ${key}\n\nCopy this key now: it will not be shown again (only its hash is stored).\n`;
}

async function create(values: Values, io: CliIo, opened: () => Promise<OpenedKeyStore>, now: Date): Promise<number> {
  const environment = typeof values.env === 'string' ? values.env.trim() : (io.env.VECTORCACHE_ENV ?? '').trim();
  if (environment === '') throw new UsageError('keys create needs --env (or VECTORCACHE_ENV)', 'keys');
  const name = requireString(values, 'name', 'create');
  const scopes = validateScopes(splitList(requireString(values, 'scopes', 'create')), '--scopes');
  if (scopes.length === 0) throw new UsageError('keys create needs at least one scope in --scopes', 'keys');
  let expiresInMs: number | undefined;
  if (values['expires-in'] !== undefined) {
    expiresInMs = parseDuration(values['expires-in']);
    if (expiresInMs === undefined || expiresInMs === 0) throw new UsageError('--expires-in must be a positive duration such as 90d, 24h, 15m or 2s', 'keys');
  }
  const allowIp = values['allow-ip'] as string[] | undefined;
  const allowedIps = allowIp === undefined ? undefined : validateAllowedIps(splitList(allowIp), '--allow-ip');
  const tenant = typeof values.tenant === 'string' ? values.tenant.trim() : undefined;

  const { store } = await opened();
  const { key, record } = await createKey(store, { environment, name, scopes, ...(tenant !== undefined && { tenant }), ...(expiresInMs !== undefined && { expiresInMs }), ...(allowedIps && { allowedIps }), now });
  if (values.json) {
    const { id, ...rest } = publicRecord(record, now.getTime());
    io.stdout.write(`${JSON.stringify({ id, key, ...rest })}\n`);
    return 0;
  }
  io.stdout.write(
    `Created key ${record.id} (${record.name})\n` +
      table([
        ['  environment', record.environment],
        ['  tenant', record.tenant],
        ['  scopes', record.scopes.join(', ')],
        ['  expires', record.expiresAt ?? 'never'],
        ['  allowed IPs', record.allowedIps?.join(', ') || 'any'],
      ]) +
      keyBlock(key),
  );
  return 0;
}

async function list(values: Values, io: CliIo, opened: () => Promise<OpenedKeyStore>, now: Date): Promise<number> {
  const { store, where } = await opened();
  const records = (await store.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const shown = records.map((record) => publicRecord(record, now.getTime()));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ keys: shown })}\n`);
    return 0;
  }
  if (shown.length === 0) {
    io.stdout.write(`No keys in ${where}.\n`);
    return 0;
  }
  io.stdout.write(
    table([
      ['ID', 'NAME', 'ENV', 'TENANT', 'SCOPES', 'HINT', 'CREATED', 'EXPIRES', 'STATUS'],
      ...shown.map((r) => [r.id, r.name, r.environment, r.tenant, r.scopes.join(',') || '-', r.hint, r.createdAt, r.expiresAt ?? 'never', r.status]),
    ]),
  );
  return 0;
}

async function rotate(values: Values, positionals: string[], io: CliIo, opened: () => Promise<OpenedKeyStore>, now: Date): Promise<number> {
  const id = keyIdArgument(positionals, 'rotate');
  const graceMs = parseDuration(requireString(values, 'grace', 'rotate'));
  if (graceMs === undefined) throw new UsageError('--grace must be a duration such as 24h, 15m, 2s or 0s', 'keys');
  const { store } = await opened();
  const { key, record, previous } = await rotateKey(store, id, { graceMs, now });
  if (values.json) {
    const { id: newId, ...rest } = publicRecord(record, now.getTime());
    io.stdout.write(`${JSON.stringify({ id: newId, key, previousId: previous.id, previousExpiresAt: previous.expiresAt ?? null, ...rest })}\n`);
    return 0;
  }
  io.stdout.write(
    `Rotated key ${previous.id} → ${record.id} (${record.name})\n` +
      `The old key keeps working until ${previous.expiresAt}, then fails with key_expired.\n` +
      keyBlock(key),
  );
  return 0;
}

async function revoke(values: Values, positionals: string[], io: CliIo, opened: () => Promise<OpenedKeyStore>, now: Date): Promise<number> {
  const id = keyIdArgument(positionals, 'revoke');
  const { store } = await opened();
  const record = await revokeKey(store, id, { now });
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ id: record.id, revokedAt: record.revokedAt, status: keyStatus(record, now.getTime()) })}\n`);
    return 0;
  }
  io.stdout.write(`Revoked key ${record.id} (${record.name}) at ${record.revokedAt}. It is refused from now on.\n`);
  return 0;
}

/** The `keys` command group. */
export const keysCommand: CommandGroup = {
  summary: 'create, list, rotate and revoke API keys',
  usage: KEYS_USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      (sub === undefined ? io.stderr : io.stdout).write(KEYS_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(OPTIONS, sub)) throw new UsageError(`unknown command "keys ${sub.slice(0, 40)}"; expected create, list, rotate or revoke`, 'keys');
    const subcommand = sub as Subcommand;
    const { values, positionals } = parse(subcommand, rest);
    if (values.help) {
      io.stdout.write(KEYS_USAGE);
      return 0;
    }
    if ((subcommand === 'create' || subcommand === 'list') && positionals.length > 0) {
      throw new UsageError(`keys ${subcommand} takes no arguments, got "${positionals[0]!.slice(0, 40)}"`, 'keys');
    }
    const now = io.now?.() ?? new Date();
    // The store is opened only after the arguments were checked, and always closed.
    let opened: OpenedKeyStore | undefined;
    const open = async () => (opened ??= await openKeyStore(values.store as string | undefined, { env: io.env, cwd: io.cwd ?? process.cwd(), group: 'keys' }));
    try {
      switch (subcommand) {
        case 'create':
          return await create(values, io, open, now);
        case 'list':
          return await list(values, io, open, now);
        case 'rotate':
          return await rotate(values, positionals, io, open, now);
        case 'revoke':
          return await revoke(values, positionals, io, open, now);
      }
    } finally {
      await opened?.close().catch(() => undefined);
    }
  },
};
