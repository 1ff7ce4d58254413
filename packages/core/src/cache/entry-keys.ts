// The keys a cache needs once start-up derived them: the entry codec and the index key for names and bindings.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EntryCodec } from '../entries.js';
import type { EntryCipher } from '../crypto/index.js';

/** Constant-time comparison of two strings (false when the lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Filled in once encryption keys are derived; until then (or without encryption) a random index key. */
export class EntryKeys {
  codec = new EntryCodec(undefined);
  indexKey: Uint8Array = randomBytes(32);

  install(cipher: EntryCipher): void {
    this.codec = new EntryCodec(cipher);
    this.indexKey = cipher.indexKey;
  }

  /** The binding of an answer to its entry name (see `StoredEntry.bind`). */
  bind(key: string, response: string): string {
    return createHmac('sha256', this.indexKey).update('bind\0').update(key).update('\0').update(response).digest('base64url');
  }
}
