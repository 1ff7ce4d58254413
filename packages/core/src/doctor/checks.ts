// One judge per guard setting, shared by options read from code and settings read from the environment.
import { parseDuration } from '../duration.js';
import type { TrustProxySetting } from '../net/index.js';
import type { CheckContext, Finding } from './finding.js';

const PLACEHOLDERS = ['changeme', 'change-me', 'change_me', 'secret', 'password', 'example', 'placeholder', 'your-secret', 'yoursecret', 'replace', 'default', 'xxxxxxxx', '0123456789', 'abcdefgh', 'openssl'];

const isProd = (ctx: CheckContext) => ctx.environment === 'prod';

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

export function checkEnvironmentName(environment: string, source: string): Finding {
  if (!/^[a-z][a-z0-9]{1,15}$/.test(environment)) {
    return { id: 'environment', status: 'fail', message: `Environment ${JSON.stringify(environment.slice(0, 20))} is not a valid name: the guard refuses to start.`, fix: 'Use a lowercase name such as dev, staging or prod.', source };
  }
  return { id: 'environment', status: 'pass', message: `Environment ${environment}.`, source };
}

export function checkHttpsOnly(value: boolean | undefined, ctx: CheckContext): Finding {
  const on = value ?? isProd(ctx);
  const { source } = ctx;
  if (!isProd(ctx)) return { id: 'https-only', status: 'pass', message: `HTTPS-only is ${on ? 'on' : 'off'} outside prod.`, source };
  if (!on) {
    return {
      id: 'https-only', status: 'fail', source,
      message: `${ctx.label('httpsOnly')} turns HTTPS-only off in prod: keys would cross the network in clear.`,
      fix: `Remove ${ctx.label('httpsOnly')} (it defaults to true in prod) and terminate TLS at the server or a trusted proxy.`,
    };
  }
  return { id: 'https-only', status: 'pass', message: 'HTTPS-only is on.', source };
}

export function checkTrustProxy(setting: TrustProxySetting | undefined, ctx: CheckContext): Finding {
  const { source } = ctx;
  if (setting === true) {
    return {
      id: 'trust-proxy', status: isProd(ctx) ? 'fail' : 'warn', source,
      message: `${ctx.label('trustProxy')} is true: it trusts every hop, so any client can forge X-Forwarded-For and defeat the IP allowlist and lockout.`,
      fix: `List your proxies in ${ctx.label('trustProxy')} instead (e.g. loopback, 10.0.0.0/8) or give a hop count.`,
    };
  }
  let message = 'Trusted proxies are listed explicitly.';
  if (setting === undefined || setting === false) message = 'No proxy is trusted.';
  else if (typeof setting === 'number') message = `The nearest ${setting} proxy hop${setting === 1 ? ' is' : 's are'} trusted.`;
  else if (typeof setting === 'function') message = 'Trusted proxies are decided by a function.';
  return { id: 'trust-proxy', status: 'pass', message, source };
}

export function checkIpAllowlist(entries: readonly string[] | null | undefined, ctx: CheckContext): Finding {
  const list = (entries ?? []).map((s) => s.trim()).filter(Boolean);
  const { source } = ctx;
  const open = list.filter((e) => /\/0$/.test(e) || e === '*');
  if (open.length > 0) {
    return { id: 'ip-allowlist', status: 'fail', source, message: `${ctx.label('ipAllowlist')} contains ${open.join(', ')}, which allows every address.`, fix: 'List the networks your clients call from, e.g. 203.0.113.0/24,10.0.0.0/8; or unset it on purpose.' };
  }
  if (list.length === 0) {
    return isProd(ctx)
      ? { id: 'ip-allowlist', status: 'warn', source, message: 'No IP allowlist: any address may present a key.', fix: `Set ${ctx.label('ipAllowlist')} to your clients' networks, or per-key allowlists (keys create --allow-ip).` }
      : { id: 'ip-allowlist', status: 'pass', source, message: 'No IP allowlist (fine outside prod).' };
  }
  return { id: 'ip-allowlist', status: 'pass', source, message: `IP allowlist of ${list.length} entr${list.length === 1 ? 'y' : 'ies'}.` };
}

export interface EncryptionCheckInput {
  encryption: { secret?: unknown; key?: unknown } | undefined;
  /** 'generated': the example server makes a dev secret itself; 'plaintext': the guard would store plaintext. */
  whenMissing: 'generated' | 'plaintext';
  /** `cache: false`: nothing is stored, so nothing needs encrypting. */
  cacheOff?: boolean;
}

function missingEncryption(input: EncryptionCheckInput, ctx: CheckContext, fix: string): Finding {
  const { source } = ctx;
  if (input.cacheOff) return { id: 'encryption-secret', status: 'pass', source, message: 'No cache (cache: false), so nothing is stored to encrypt.' };
  if (isProd(ctx)) {
    const what = input.whenMissing === 'generated' ? `${ctx.label('encryption.secret')} is not set` : `No ${ctx.label('encryption')} option`;
    return { id: 'encryption-secret', status: 'fail', source, message: `${what}: prod refuses to start (cache entries must be encrypted).`, fix };
  }
  return input.whenMissing === 'generated'
    ? { id: 'encryption-secret', status: 'pass', source, message: 'No encryption secret set (dev generates and keeps one locally).' }
    : { id: 'encryption-secret', status: 'warn', source, message: `No ${ctx.label('encryption')} option: cache entries are stored in plaintext (VC_NO_ENCRYPTION).`, fix };
}

export function checkEncryption(input: EncryptionCheckInput, ctx: CheckContext): Finding {
  const { source } = ctx;
  const fix = `Set ${ctx.label('encryption.secret')} from a secret manager to a random value, e.g. \`openssl rand -hex 32\`; to replace one in use, keep the old one in previousSecrets and run vectorcache crypto rotate.`;
  const secret = input.encryption?.secret;
  if (typeof secret === 'string' && secret !== '') {
    const weak = secretWeakness(secret);
    if (weak) return { id: 'encryption-secret', status: isProd(ctx) ? 'fail' : 'warn', source, message: `The encryption secret is weak: ${weak}.`, fix };
    return { id: 'encryption-secret', status: 'pass', source, message: `Encryption secret set (${secret.length} characters).` };
  }
  if (typeof input.encryption?.key === 'string') return { id: 'encryption-secret', status: 'pass', source, message: 'Encryption with a raw Fernet key.' };
  // Typically `secret: process.env.X` with X unset where the app runs.
  if (input.encryption !== undefined) return { id: 'encryption-secret', status: 'fail', source, message: `${ctx.label('encryption')} has neither a secret nor a key: the guard refuses to start.`, fix };
  return missingEncryption(input, ctx, fix);
}

export function checkRetention(value: string | number | undefined, ctx: CheckContext): Finding {
  const { source } = ctx;
  const name = ctx.label('retention');
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
    return { id: 'retention', status: 'warn', source, message: `${name} is not set: the built-in default of 30 days applies, but no policy is declared for this deployment.`, fix: `Set ${name} (e.g. 30d) to the period your privacy policy promises.` };
  }
  const ms = parseDuration(value);
  if (ms === undefined || !(ms > 0)) return { id: 'retention', status: 'fail', source, message: `${name} is not a duration.`, fix: 'Use a duration such as 30d, 24h or 15m.' };
  return { id: 'retention', status: 'pass', source, message: `Retention ${typeof value === 'number' ? `${value} ms` : value.trim()}.` };
}
