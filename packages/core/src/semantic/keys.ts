// Keyed names of semantic matching: partition HMAC, owner tags and the rotation secret, all derived from the guard's index key.
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import type { CacheTicket } from '../contract.js';
import { signatureKey, withoutLastUserMessage, type SemanticSignature } from './guards.js';
import { createVectorRotation, type VectorRotation } from './rotation.js';
import type { Embedder } from './types.js';

const hmac = (key: Uint8Array, label: string): Buffer => createHmac('sha256', key).update(`vectorcache/semantic/${label}`).digest();

/** Derived once per index key (which start-up replaces when encryption keys are ready). */
export class SemanticKeys {
  #indexKey: Uint8Array | undefined;
  #partition!: Buffer;
  #owner!: Buffer;
  #rotation: VectorRotation | undefined;

  #refresh(indexKey: Uint8Array): void {
    if (this.#indexKey === indexKey) return;
    this.#indexKey = indexKey;
    this.#partition = hmac(indexKey, 'partition');
    this.#owner = hmac(indexKey, 'owner');
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
    return createHmac('sha256', this.#partition)
      .update(ticket.tenant).update('\0').update(ticket.subject ?? '').update('\0').update(ticket.model).update('\0')
      .update(embedder.id).update('\0').update(embedder.version).update('\0').update(input.rotation).update('\0')
      .update(signatureKey(input.signature)).update('\0').update(context)
      .digest('base64url');
  }

  tenantTag(indexKey: Uint8Array, tenant: string): string {
    this.#refresh(indexKey);
    return createHmac('sha256', this.#owner).update('tenant\0').update(tenant).digest('base64url');
  }

  /** `subject` is the guard's subject hash (already keyed), as tickets and erase requests carry it. */
  subjectTag(indexKey: Uint8Array, tenant: string, subject: string): string {
    this.#refresh(indexKey);
    return createHmac('sha256', this.#owner).update('subject\0').update(tenant).update('\0').update(subject).digest('base64url');
  }
}
