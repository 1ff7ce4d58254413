// The per-key machinery behind Fernet: long-lived AES contexts, HMAC from precomputed pads, one buffer per token.
import { createCipheriv, createDecipheriv, hash, timingSafeEqual, type Cipher, type Decipher, type KeyObject } from 'node:crypto';
import { Scratch } from './scratch.js';

/** Bytes kept free in front of a token's bytes: HMAC-SHA256's inner pad is written there, so the MAC is one hash over one buffer. */
export const ROOM = 64;
export const BLOCK = 16;
export const HMAC_BYTES = 32;
/** Version, timestamp, IV. */
export const HEADER_BYTES = 1 + 8 + BLOCK;
export const VERSION = 0x80;
const IV_AT = ROOM + 9;
const ZERO_IV = Buffer.alloc(BLOCK);
/** Token buffers while sealing: they hold ciphertext only (the HMAC pad is wiped), until encoded. */
const tokenScratch = new Scratch();

/**
 * Why long-lived contexts: Node builds a native cipher (and HMAC) object per call, which cost more
 * than the AES and SHA-256 work itself at 1 KB. CBC's chaining lets one context serve every token:
 * - decryption: fed `IV ‖ ciphertext`, a CBC decipher outputs one throw-away block and then exactly
 *   the plaintext under that IV, whatever it decrypted before (each block only needs the one before);
 * - encryption: a CBC cipher continues from its last output block `c`; feeding first `D(iv) ⊕ c`
 *   makes its first output block `iv`, so what follows is the ciphertext under `iv`. The first
 *   output block is compared with `iv` every time, and any mismatch falls back to a fresh context,
 *   so a context out of step can never produce a wrong token.
 * HMAC(K, m) = SHA256(K⊕opad ‖ SHA256(K⊕ipad ‖ m)) with the pads computed once (RFC 2104).
 */
export class FernetEngine {
  readonly #key: KeyObject;
  readonly #ipad: Buffer;
  /** opad ‖ inner digest: the outer hash's whole input. */
  readonly #outer = Buffer.alloc(64 + HMAC_BYTES);
  readonly #chain = Buffer.alloc(BLOCK);
  #cipher: Cipher | undefined;
  #unchain: Decipher | undefined;
  #decipher: Decipher | undefined;

  constructor(signingKey: Uint8Array, encryptionKey: KeyObject) {
    this.#key = encryptionKey;
    // Fernet's signing key is 16 bytes, shorter than a SHA-256 block, so it is padded, never hashed.
    this.#ipad = Buffer.alloc(64, 0x36);
    this.#outer.fill(0x5c, 0, 64);
    for (let i = 0; i < signingKey.length; i++) {
      this.#ipad[i] = this.#ipad[i]! ^ signingKey[i]!;
      this.#outer[i] = this.#outer[i]! ^ signingKey[i]!;
    }
  }

  /**
   * Seals `input` = 16 free bytes ‖ plaintext already padded (PKCS#7) into a token buffer:
   * ROOM free bytes ‖ version ‖ timestamp ‖ IV ‖ ciphertext ‖ HMAC. Returns the buffer, which is
   * reused by the next call: encode it before sealing again.
   */
  seal(input: Buffer, seconds: number | bigint, iv: Uint8Array): Buffer {
    if (input.length < 2 * BLOCK || input.length % BLOCK !== 0) throw new RangeError('Fernet cipher input must be whole blocks after its free block');
    const out = this.#encrypt(input, iv);
    const signedEnd = IV_AT + out.length;
    const token = tokenScratch.take(signedEnd + HMAC_BYTES);
    token[ROOM] = VERSION;
    if (typeof seconds === 'bigint') token.writeBigUInt64BE(seconds, ROOM + 1);
    else {
      token.writeUInt32BE(Math.floor(seconds / 0x1_0000_0000), ROOM + 1);
      token.writeUInt32BE(seconds >>> 0, ROOM + 5);
    }
    out.copy(token, IV_AT);
    this.#mac(token, signedEnd).copy(token, signedEnd);
    return token;
  }

  /** Constant-time check of a token buffer's HMAC (`length` token bytes after ROOM). */
  verify(frame: Buffer, length: number): boolean {
    const signedEnd = ROOM + length - HMAC_BYTES;
    return timingSafeEqual(this.#mac(frame, signedEnd), frame.subarray(signedEnd, signedEnd + HMAC_BYTES));
  }

  /** Plaintext of a token buffer, still padded. Call only after {@link verify}. */
  decrypt(frame: Buffer, length: number): Buffer {
    const end = ROOM + length - HMAC_BYTES;
    let decipher = this.#decipher;
    if (!decipher) {
      decipher = createDecipheriv('aes-128-cbc', this.#key, ZERO_IV);
      decipher.setAutoPadding(false);
      this.#decipher = decipher;
    }
    const out = decipher.update(frame.subarray(IV_AT, end));
    if (out.length !== end - IV_AT) {
      // Only a caller bug (a length that is not whole blocks) gets here; start afresh next time.
      this.#decipher = undefined;
      throw new RangeError('Fernet ciphertext is not a whole number of blocks');
    }
    out.fill(0, 0, BLOCK);
    return out.subarray(BLOCK);
  }

  /** IV ‖ ciphertext of `input`'s plaintext (after its 16 free bytes) under `iv`. */
  #encrypt(input: Buffer, iv: Uint8Array): Buffer {
    let cipher = this.#cipher;
    let unchain = this.#unchain;
    if (!cipher || !unchain) {
      cipher = createCipheriv('aes-128-cbc', this.#key, ZERO_IV);
      cipher.setAutoPadding(false);
      unchain = createDecipheriv('aes-128-ecb', this.#key, null);
      unchain.setAutoPadding(false);
      this.#cipher = cipher;
      this.#unchain = unchain;
      this.#chain.fill(0);
    }
    const lead = unchain.update(iv);
    const chain = this.#chain;
    for (let i = 0; i < BLOCK; i++) input[i] = lead[i]! ^ chain[i]!;
    lead.fill(0);
    const out = cipher.update(input);
    input.fill(0, 0, BLOCK);
    if (out.length === input.length && out.compare(iv, 0, BLOCK, 0, BLOCK) === 0) {
      out.copy(chain, 0, out.length - BLOCK);
      return out;
    }
    this.#cipher = undefined;
    const fresh = createCipheriv('aes-128-cbc', this.#key, iv);
    fresh.setAutoPadding(false);
    return Buffer.concat([iv, fresh.update(input.subarray(BLOCK))]);
  }

  /** HMAC-SHA256 of frame[ROOM, end): the inner pad goes into the free room, then is wiped. */
  #mac(frame: Buffer, end: number): Buffer {
    this.#ipad.copy(frame, 0);
    const inner = hash('sha256', frame.subarray(0, end), 'buffer');
    frame.fill(0, 0, ROOM);
    inner.copy(this.#outer, 64);
    const mac = hash('sha256', this.#outer, 'buffer');
    this.#outer.fill(0, 64);
    return mac;
  }
}
