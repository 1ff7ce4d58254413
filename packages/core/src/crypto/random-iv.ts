// Fresh 16-byte IVs from a pooled CSPRNG buffer: one randomFillSync per 256 IVs instead of one per token.
import { randomFillSync } from 'node:crypto';

const IV_BYTES = 16;
const POOL_IVS = 256;
const pool = Buffer.allocUnsafe(IV_BYTES * POOL_IVS);
let offset = pool.length;

/** A new random IV. Each pool byte is handed out once: the copy never aliases the pool. */
export function randomIv(): Buffer {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const iv = Buffer.from(pool.subarray(offset, offset + IV_BYTES));
  offset += IV_BYTES;
  return iv;
}
