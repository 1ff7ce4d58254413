// HMAC-SHA256 of NUL-joined strings from one-shot hashes over precomputed pads: a Node Hmac object per call cost more than hashing 1 KB.
import * as crypto from 'node:crypto';
import { Scratch, utf8Room } from './scratch.js';

const BLOCK = 64;
const DIGEST = 32;
/** One-shot hashing exists from Node 20.12; before that every digest falls back to createHmac. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;
/** Inner-hash inputs: the pad and the message, wiped after every digest because messages hold prompts. */
const scratch = new Scratch();

/**
 * HMAC-SHA256 (RFC 2104) under one long-lived key. `digest(parts)` equals
 * `createHmac('sha256', key).update(parts.join('\0'))` — the parts are written once, as UTF-8,
 * straight after the inner pad, so the inner hash is one call over one buffer.
 */
export class KeyedHash {
  readonly #key: Uint8Array;
  readonly #ipad = Buffer.alloc(BLOCK, 0x36);
  /** opad ‖ inner digest: the outer hash's whole input. */
  readonly #outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);

  constructor(key: Uint8Array) {
    this.#key = Uint8Array.from(key);
    // A key longer than the block is hashed first, as RFC 2104 says; shorter ones are zero-padded.
    const k = key.length > BLOCK ? crypto.createHash('sha256').update(key).digest() : key;
    for (let i = 0; i < k.length; i++) {
      this.#ipad[i] = this.#ipad[i]! ^ k[i]!;
      this.#outer[i] = this.#outer[i]! ^ k[i]!;
    }
  }

  digest(parts: readonly string[], encoding: 'hex' | 'base64url'): string {
    if (!oneShot) return crypto.createHmac('sha256', this.#key).update(parts.join('\0')).digest(encoding);
    let room = BLOCK + parts.length;
    for (const part of parts) room += utf8Room(part);
    const input = scratch.take(room);
    this.#ipad.copy(input, 0);
    let at = BLOCK;
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) input[at++] = 0;
      at += input.write(parts[i]!, at, 'utf8');
    }
    const inner = oneShot('sha256', input.subarray(0, at), 'buffer');
    input.fill(0, 0, at);
    inner.copy(this.#outer, BLOCK);
    const mac = oneShot('sha256', this.#outer, 'buffer');
    this.#outer.fill(0, BLOCK);
    return mac.toString(encoding);
  }
}

const byKey = new WeakMap<Uint8Array, KeyedHash>();

/** The KeyedHash of a long-lived key object, built on first use (the pads are computed once per key). */
export function keyedHash(key: Uint8Array): KeyedHash {
  let h = byKey.get(key);
  if (!h) {
    h = new KeyedHash(key);
    byKey.set(key, h);
  }
  return h;
}
