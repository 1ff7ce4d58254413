// Validates and normalises a key's own IP allowlist (`allowedIps`, the CLI's --allow-ip): strict CIDRs only.
import { optionError } from '../errors.js';
import { formatParsed, INVALID, IPV4, parsedWords, parseSpan } from '../net/ip.js';

const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/** Clears the host bits past `prefix` in `parsedWords`; true when any was set. */
function clearHostBits(words: number, prefix: number): boolean {
  let changed = false;
  for (let k = 0; k < words; k++) {
    const keep = Math.min(32, Math.max(0, prefix - 32 * k));
    const mask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
    const masked = (parsedWords[k]! & mask) >>> 0;
    if (masked !== parsedWords[k]) {
      parsedWords[k] = masked;
      changed = true;
    }
  }
  return changed;
}

/**
 * Parses one CIDR (or a single address, taken as /32 or /128) strictly and returns its canonical
 * text. Uses the gate's own strict parser (net/ip.ts), so a key's allowlist accepts exactly the
 * addresses the perimeter does: it refuses forms other parsers read differently (`010.0.0.0`,
 * `10.1`, hex, zone ids), host bits set past the prefix (`10.0.0.1/8`), and /0 (which would allow
 * everything). An IPv4-mapped IPv6 CIDR stays IPv6 (`::ffff:a00:0/104`).
 */
export function normalizeCidr(text: string, optionName: string): string {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const kind = parseSpan(addressText, 0, addressText.length, false);
  if (kind === INVALID) {
    throw optionError(optionName, `has an invalid address in ${shown}: use a CIDR such as "10.0.0.0/8" or "2001:db8::/32"`);
  }
  const address = formatParsed(kind)!;
  const bits = kind === IPV4 ? 32 : 128;
  if (prefixText !== undefined && !PREFIX.test(prefixText)) {
    throw optionError(optionName, `has an invalid prefix length in ${shown}`);
  }
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) throw optionError(optionName, `has a prefix length over ${bits} in ${shown}`);
  if (prefix === 0) throw optionError(optionName, `would allow every address with ${shown}: leave the allowlist empty instead`);
  if (clearHostBits(kind === IPV4 ? 1 : 4, prefix)) {
    throw optionError(optionName, `has host bits set in ${shown}: did you mean "${formatParsed(kind)}/${prefix}"?`);
  }
  return `${address}/${prefix}`;
}

/** Validates a list of CIDRs and returns their canonical forms without duplicates. */
export function validateAllowedIps(value: unknown, optionName: string): string[] {
  if (!Array.isArray(value)) throw optionError(optionName, 'must be an array of CIDRs such as ["10.0.0.0/8"]');
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw optionError(optionName, 'must contain only CIDR strings');
    const cidr = normalizeCidr(item.trim(), optionName);
    if (!out.includes(cidr)) out.push(cidr);
  }
  return out;
}
