// What the stages of one request establish, in order: who asked from where, over what, and when.
import type { Principal } from '../types.js';

export interface RequestContext {
  readonly requestId: string;
  /** The client address after trusted proxies; null when it could not be determined. */
  readonly clientAddress: string | null;
  /** True over TLS (or https forwarded by a trusted proxy). */
  readonly tls: boolean;
  /** Epoch ms when the gate started on this request. */
  readonly now: number;
  /** Set once the key is verified. */
  principal?: Principal;
}

/** The first header value (Node gives repeated headers as arrays). */
export function firstHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
