// Keyed names of semantic matching: partition HMAC, owner tags and the rotation secret, all derived from the guard's index key.
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import { KeyedHash } from '../crypto/keyed-hash.js';
import type { CacheTicket } from '../contract.js';
import { signatureKey, withoutLastUserMessage, type SemanticSignature } from './guards.js';
import { createVectorRotation, type VectorRotation } from './rotation.js';
import type { Embedder } from './types.js';

const hmac = (key: Uint8Array, label: string): Buffer => createHmac('sha256', key).update(`vectorcache/semantic/${label}`).digest();

/** Derived once per index key (which start-up replaces when encryption keys are ready). */
export class SemanticKeys {
  #indexKey: Uint8Array | undefined;
  #partition!: KeyedHash;
  #owner!: KeyedHash;
  #rotation: VectorRotation | undefined;

  #refresh(indexKey: Uint8Array): void {
    if (this.#indexKey === indexKey) return;
    this.#indexKey = indexKey;
    this.#partition = new KeyedHash(hmac(indexKey, 'partition'));
    this.#owner = new KeyedHash(hmac(indexKey, 'owner'));
    this.#rotation = createVectorRotation(hmac(indexKey, 'rotation'));
  }

  rotation(indexKey: Uint8Array): VectorRotation {
    this.#refresh(indexKey);
    return this.#rotation!;
  }

  /**
   * Everything a candidate must share, as one HMAC: tenant, subject, model, embedder id and version,
   * the rotation, the request without its last user message (system prompt, earlier turns, tools,
   * every parameter) and the false-hit guards' signature of the last message.
   */
  partition(indexKey: Uint8Array, input: { ticket: CacheTicket; body: Record<string, unknown>; ignore: ReadonlySet<string>; embedder: Embedder; rotation: string; signature: SemanticSignature }): string {
    this.#refresh(indexKey);
    // The request without its last user message's text (its role and other fields stay in the partition).
    const context = canonicalJson(withoutLastUserMessage(input.body), input.ignore);
    const { ticket, embedder } = input;
    return this.#partition.digest(
      [ticket.tenant, ticket.subject ?? '', ticket.model, embedder.id, embedder.version, input.rotation, signatureKey(input.signature), context],
      'base64url',
    );
  }

  tenantTag(indexKey: Uint8Array, tenant: string): string {
    this.#refresh(indexKey);
    return this.#owner.digest(['tenant', tenant], 'base64url');
  }

  /** `subject` is the guard's subject hash (already keyed), as tickets and erase requests carry it. */
  subjectTag(indexKey: Uint8Array, tenant: string, subject: string): string {
    this.#refresh(indexKey);
    return this.#owner.digest(['subject', tenant, subject], 'base64url');
  }
}
