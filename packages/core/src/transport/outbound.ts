// Judges the URLs a deployment calls out to: keys and prompts only over TLS off this machine, stores warned.
import { parseIp } from '../net/index.js';
import { TransportConfigError, type TransportWarning } from './tls.js';

/** What travels over the URL: API keys or prompts (upstream LLM, embeddings), or store traffic. */
export type OutboundCarries = 'key-or-prompt' | 'store';

export interface OutboundCheckOptions {
  /** The guard's environment; plain HTTP carrying keys or prompts is refused only in 'prod'. */
  environment: string;
  /** The variable or option the URL came from, named in every message. */
  name: string;
  carries: OutboundCarries;
}

export type OutboundVerdict =
  | { level: 'ok'; message: string }
  | { level: 'warn' | 'error'; code: string; message: string; fix: string };

export const PLAINTEXT_OUTBOUND = 'VC_PLAINTEXT_OUTBOUND';
export const PLAINTEXT_STORE = 'VC_PLAINTEXT_STORE';
export const INVALID_OUTBOUND_URL = 'VC_INVALID_OUTBOUND_URL';

const POSTGRES_TLS_MODES = new Set(['require', 'verify-ca', 'verify-full']);

/**
 * True only for 127.0.0.0/8, ::1 (IPv4-mapped loopback included) and the exact name `localhost`.
 * Names that merely start like one (`localhost.evil.com`, `127.0.0.1.nip.io`) resolve anywhere.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const ip = parseIp(h);
  if (ip === null) return false;
  return ip === '::1' || (!ip.includes(':') && ip.startsWith('127.'));
}

// The host only: a URL may carry a password, so it is never repeated whole.
function hostOf(url: URL): string {
  return url.hostname.slice(0, 80);
}

/** The host a Postgres URL connects to: `?host=` wins (libpq), a leading '/' is a Unix socket. */
function postgresHost(url: URL): string {
  return url.searchParams.get('host') ?? url.hostname;
}

function postgresTls(url: URL): boolean {
  const mode = url.searchParams.get('sslmode');
  const ssl = url.searchParams.get('ssl');
  return (mode !== null && POSTGRES_TLS_MODES.has(mode)) || ssl === 'true' || ssl === '1';
}

function keyOrPrompt(url: URL, options: OutboundCheckOptions): OutboundVerdict {
  const { name } = options;
  if (url.protocol === 'https:') return { level: 'ok', message: `${name} uses https:// (${hostOf(url)}).` };
  if (url.protocol !== 'http:') {
    return { level: 'error', code: INVALID_OUTBOUND_URL, message: `${name} must be an https:// URL (got a ${url.protocol} URL).`, fix: `Set ${name} to https://<host>/….` };
  }
  if (isLoopbackHost(url.hostname)) return { level: 'ok', message: `${name} uses plain http:// on loopback (${hostOf(url)}): it stays on this machine.` };
  const prod = options.environment === 'prod';
  return {
    level: prod ? 'error' : 'warn',
    code: PLAINTEXT_OUTBOUND,
    message: `${name} uses plain http:// to ${hostOf(url)}${prod ? ' in prod' : ''}: API keys and prompts would cross the network in clear.`,
    fix: `Use https:// for ${name}, or a loopback address (127.0.0.1, ::1, localhost) for a local TLS-terminating proxy.`,
  };
}

function store(url: URL, options: OutboundCheckOptions): OutboundVerdict {
  const { name } = options;
  const scheme = url.protocol.slice(0, -1);
  let host = url.hostname;
  let tls: boolean;
  let fix: string;
  if (scheme === 'rediss' || scheme === 'https') {
    tls = true;
    fix = '';
  } else if (scheme === 'redis' || scheme === 'http') {
    tls = false;
    fix = scheme === 'redis' ? `Use rediss://host:6380/0 (TLS) for ${name}.` : `Use https:// for ${name}.`;
  } else if (scheme === 'postgres' || scheme === 'postgresql') {
    host = postgresHost(url);
    tls = postgresTls(url);
    fix = `Add ?sslmode=verify-full (or sslmode=require) to ${name}.`;
  } else {
    return { level: 'ok', message: `${name} is a ${scheme}: URL (not a network store this check knows).` };
  }
  if (tls) return { level: 'ok', message: `${name} connects over TLS (${host.slice(0, 80)}).` };
  if (host === '' || host.startsWith('/')) return { level: 'ok', message: `${name} uses a local socket.` };
  if (isLoopbackHost(host)) return { level: 'ok', message: `${name} uses ${scheme}:// without TLS on loopback (${host.slice(0, 80)}): it stays on this machine.` };
  return {
    level: 'warn',
    code: PLAINTEXT_STORE,
    message: `${name} uses ${scheme}:// without TLS to ${host.slice(0, 80)}: entries are encrypted, but key metadata and counters cross the network in clear.`,
    fix,
  };
}

/** The verdict on one outbound URL, never throwing (the doctor reports it; `checkOutboundUrl` enforces it). */
export function classifyOutboundUrl(url: string, options: OutboundCheckOptions): OutboundVerdict {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { level: 'error', code: INVALID_OUTBOUND_URL, message: `${options.name} is not a URL.`, fix: `Set ${options.name} to a full URL such as https://api.example.com/v1.` };
  }
  return options.carries === 'store' ? store(parsed, options) : keyOrPrompt(parsed, options);
}

/**
 * Enforces the outbound rule at start-up: returns undefined when fine, a coded warning to log when
 * doubtful, and throws a TransportConfigError naming the variable when the URL must not be used.
 */
export function checkOutboundUrl(url: string, options: OutboundCheckOptions): TransportWarning | undefined {
  const verdict = classifyOutboundUrl(url, options);
  if (verdict.level === 'ok') return undefined;
  if (verdict.level === 'error') throw new TransportConfigError(options.name, verdict.code, `${verdict.message} ${verdict.fix}`);
  return { code: verdict.code, message: `${verdict.message} ${verdict.fix}` };
}
