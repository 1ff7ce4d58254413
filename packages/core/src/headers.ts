// Reading request headers as Node gives them (lower-case names, repeated headers as arrays).
import type { HeaderMap } from './types.js';

/** The first value of a header, or undefined. */
export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
