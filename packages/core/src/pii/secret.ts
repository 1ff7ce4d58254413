// Secret detector: credentials that must never be cached (our keys, cloud, VCS, LLM, payment, chat tokens, JWT, PEM).
import { crc32, parseApiKey } from '../keys/format.js';
import type { Detector, Hints, PiiAction, PiiFinding } from './types.js';

interface SecretRule {
  /** Each starts with a look-behind so it can only begin at a token start; run sticky at hinted positions. */
  re: RegExp;
  /** Literal starts of every match (at least two characters): the pre-pass only hints token starts beginning one of them. */
  prefixes: string[];
  validate?: (match: string) => boolean;
}

// Every rule is anchored at a token start by a negative look-behind over its own body class, so a
// long run of body characters is entered once, not at every position; all repetitions are bounded
// and no quantified group contains another quantifier, so each attempt is linear in the token.
const RULES: SecretRule[] = [
  // Vectorcache keys (32 random base62 + 6 checksum), checksum verified by the key module's parser.
  { re: /(?<![A-Za-z0-9_])vc_[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g, prefixes: ['vc_'], validate: (key) => parseApiKey(key) !== null },
  // AWS access key ids.
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g, prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'] },
  // GitHub classic tokens with their CRC32 checksum.
  { re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g, prefixes: ['gh'], validate: githubChecksumValid },
  // GitHub fine-grained personal access tokens.
  { re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g, prefixes: ['github_pat_'] },
  // Anthropic, then OpenAI project/service/admin keys, then legacy OpenAI keys.
  { re: /(?<![A-Za-z0-9_-])sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_-]{32,256}/g, prefixes: ['sk-ant-'] },
  { re: /(?<![A-Za-z0-9_-])sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{32,256}/g, prefixes: ['sk-'] },
  { re: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{32,128}(?![A-Za-z0-9_-])/g, prefixes: ['sk-'] },
  // Stripe secret and restricted keys.
  { re: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}/g, prefixes: ['sk_', 'rk_'] },
  // Slack bot/user/app/refresh tokens and app-level tokens.
  { re: /(?<![A-Za-z0-9-])xox[abposr]-[0-9]{6,16}-[A-Za-z0-9-]{8,250}/g, prefixes: ['xox'] },
  { re: /(?<![A-Za-z0-9-])xapp-[0-9]-[A-Z0-9]{6,16}-[0-9]{6,16}-[A-Za-z0-9]{16,128}/g, prefixes: ['xapp-'] },
  // JSON Web Tokens: the header must decode to a JSON object with an `alg`.
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{1,16384}\.[A-Za-z0-9_-]{0,4096}/g, prefixes: ['eyJ'], validate: jwtHeaderValid },
];

export const PEM_BEGIN = '-----BEGIN ';
const PEM_MAX = 16_384;
const PEM_HEADER = /^-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY-----/;

/** Every literal start of a secret; the pre-pass (hints.ts) hints token starts that begin one of these. */
export const SECRET_PREFIXES: readonly string[] = RULES.flatMap((rule) => rule.prefixes);

/** The same rules as sticky regexes, tried only at hinted positions, indexed by first character. */
const STICKY = RULES.map((rule) => ({ re: new RegExp(rule.re.source, 'y'), validate: rule.validate }));
const BY_FIRST: number[][] = Array.from({ length: 128 }, () => []);
RULES.forEach((rule, index) => {
  for (const first of new Set(rule.prefixes.map((p) => p.charCodeAt(0)))) BY_FIRST[first]!.push(index);
});
/** Per rule, where its last match ended: like a global regex, a rule never matches inside its own match. */
const lastEnd = new Int32Array(RULES.length);

export function createSecretDetector(action: PiiAction): Detector {
  return {
    name: 'secret',
    action,
    find(text: string, _original: string, out: PiiFinding[], hints: Hints): void {
      if (hints.secretCount > 0) {
        lastEnd.fill(0);
        const { secrets, secretCount } = hints;
        for (let k = 0; k < secretCount; k++) {
          const at = secrets[k]!;
          const first = text.charCodeAt(at);
          if (first >= 128) continue;
          for (const index of BY_FIRST[first]!) {
            if (at < lastEnd[index]!) continue;
            const rule = STICKY[index]!;
            rule.re.lastIndex = at;
            const m = rule.re.exec(text);
            if (m === null) continue;
            const end = at + m[0].length;
            lastEnd[index] = end;
            if (!rule.validate || rule.validate(m[0])) out.push({ detector: 'secret', start: at, end });
          }
        }
      }
      if (text.indexOf(PEM_BEGIN) !== -1) findPem(text, out);
    },
  };
}

/** PEM private keys: the whole block from BEGIN to END (or just the header line when the END is missing). */
function findPem(text: string, out: PiiFinding[]): void {
  for (let at = text.indexOf(PEM_BEGIN); at !== -1; at = text.indexOf(PEM_BEGIN, at + 1)) {
    const header = PEM_HEADER.exec(text.slice(at, at + 80));
    if (!header) continue;
    const endMarker = text.indexOf('-----END ', at + header[0].length);
    let end = at + header[0].length;
    if (endMarker !== -1 && endMarker - at <= PEM_MAX) {
      const close = text.indexOf('-----', endMarker + 9);
      end = close !== -1 && close - endMarker < 80 ? close + 5 : endMarker + 9;
    }
    out.push({ detector: 'secret', start: at, end });
    at = end - 1;
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Base62 (0-9A-Za-z), left-padded with '0' to `width`. */
export function base62(value: number, width: number): string {
  let s = '';
  let v = value;
  while (v > 0) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

/** GitHub's token format: 30 random base62 characters then the base62 CRC-32 of those 30, in 6. */
export function githubChecksumValid(token: string): boolean {
  const body = token.slice(4);
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

function jwtHeaderValid(token: string): boolean {
  const header = token.slice(0, token.indexOf('.'));
  if (header.length > 4096) return false;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}
