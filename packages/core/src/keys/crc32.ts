// CRC-32 (IEEE, as zlib) for key checksums: Node's native zlib.crc32 where it exists (Node ≥ 20.15), else a table.
import * as zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The fallback for Node 20 before 20.15: CRC-32 of an ASCII string by table lookup. */
export function crc32Table(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// Feature-detected like crypto.hash: the engines field allows Node 20.0, which lacks it.
const native = (zlib as { crc32?: (data: string) => number }).crc32;

/** CRC-32 (IEEE, as zlib) of an ASCII string (key bodies are base62). */
export const crc32: (text: string) => number = typeof native === 'function' ? (text) => native(text) : crc32Table;
