// Validates and normalises a key's own IP allowlist (`allowedIps`, the CLI's --allow-ip): strict CIDRs only.
import ipaddr from 'ipaddr.js';
import { optionError } from '../errors.js';

const DOTTED_QUAD = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/**
 * Parses one CIDR (or a single address, taken as /32 or /128) strictly and returns its canonical
 * text. Refuses forms other parsers read differently (`010.0.0.0`, `10.1`, hex, zone ids), host
 * bits set past the prefix (`10.0.0.1/8`), and /0 (which would allow everything).
 */
export function normalizeCidr(text: string, optionName: string): string {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (DOTTED_QUAD.test(addressText) && ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
    address = ipaddr.IPv4.parse(addressText);
  } else if (addressText.includes(':') && !addressText.includes('%') && ipaddr.IPv6.isValid(addressText)) {
    address = ipaddr.IPv6.parse(addressText);
  } else {
    throw optionError(optionName, `has an invalid address in ${shown}: use a CIDR such as "10.0.0.0/8" or "2001:db8::/32"`);
  }
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !PREFIX.test(prefixText)) {
    throw optionError(optionName, `has an invalid prefix length in ${shown}`);
  }
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) throw optionError(optionName, `has a prefix length over ${bits} in ${shown}`);
  if (prefix === 0) throw optionError(optionName, `would allow every address with ${shown}: leave the allowlist empty instead`);
  const canonical = `${address.toString()}/${prefix}`;
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(canonical) : ipaddr.IPv6.networkAddressFromCIDR(canonical);
  if (network.toString() !== address.toString()) {
    throw optionError(optionName, `has host bits set in ${shown}: did you mean "${network.toString()}/${prefix}"?`);
  }
  return canonical;
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
