// What the stages of one request establish, in order: who asked from where, over what, and when.
import type { Principal } from '../types.js';

export interface RequestContext {
  readonly requestId: string;
  /** The method, upper-cased, and the path without its query: read once, used by every stage. */
  readonly method: string;
  readonly path: string;
  /** The client address after trusted proxies; null when it could not be determined. */
  readonly clientAddress: string | null;
  /** True over TLS (or https forwarded by a trusted proxy). */
  readonly tls: boolean;
  /** Epoch ms when the gate started on this request. */
  readonly now: number;
  /** Set once the key is verified. */
  principal?: Principal;
}
