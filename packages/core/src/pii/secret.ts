// Secret detector: credentials that must never be cached (our keys, cloud, VCS, LLM, payment, chat tokens, JWT, PEM).
import { parseApiKey } from '../keys/format.js';
import type { Detector, PiiAction, PiiFinding } from './types.js';

interface SecretRule {
  /** Sticky-free global regex; each starts with a look-behind so it can only begin at a token start. */
  re: RegExp;
  validate?: (match: string) => boolean;
}

// Every rule is anchored at a token start by a negative look-behind over its own body class, so a
// long run of body characters is entered once, not at every position; all repetitions are bounded
// and no quantified group contains another quantifier, so each attempt is linear in the token.
const RULES: SecretRule[] = [
  // Vectorcache keys (32 random base62 + 6 checksum), checksum verified by the key module's parser.
  { re: /(?<![A-Za-z0-9_])vc_[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g, validate: (key) => parseApiKey(key) !== null },
  // AWS access key ids.
  { re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g },
  // GitHub classic tokens with their CRC32 checksum.
  { re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g, validate: githubChecksumValid },
  // GitHub fine-grained personal access tokens.
  { re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g },
  // Anthropic, then OpenAI project/service/admin keys, then legacy OpenAI keys.
  { re: /(?<![A-Za-z0-9_-])sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_-]{32,256}/g },
  { re: /(?<![A-Za-z0-9_-])sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{32,256}/g },
  { re: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{32,128}(?![A-Za-z0-9_-])/g },
  // Stripe secret and restricted keys.
  { re: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}/g },
  // Slack bot/user/app/refresh tokens and app-level tokens.
  { re: /(?<![A-Za-z0-9-])xox[abposr]-[0-9]{6,16}-[A-Za-z0-9-]{8,250}/g },
  { re: /(?<![A-Za-z0-9-])xapp-[0-9]-[A-Z0-9]{6,16}-[0-9]{6,16}-[A-Za-z0-9]{16,128}/g },
  // JSON Web Tokens: the header must decode to a JSON object with an `alg`.
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{1,16384}\.[A-Za-z0-9_-]{0,4096}/g, validate: jwtHeaderValid },
];

const PEM_BEGIN = '-----BEGIN ';
const PEM_MAX = 16_384;
const PEM_HEADER = /^-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY-----/;

export function createSecretDetector(action: PiiAction): Detector {
  return {
    name: 'secret',
    action,
    find(text: string, _original: string, out: PiiFinding[]): void {
      for (const rule of RULES) {
        rule.re.lastIndex = 0;
        for (let m = rule.re.exec(text); m !== null; m = rule.re.exec(text)) {
          if (!rule.validate || rule.validate(m[0])) out.push({ detector: 'secret', start: m.index, end: m.index + m[0].length });
        }
      }
      findPem(text, out);
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
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(ascii: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) crc = CRC_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

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
