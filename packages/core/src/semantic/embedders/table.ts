// Loads the offline embedder's word table (generated/offline-words.bin, derived at build time from GloVe vectors).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbedderError } from './errors.js';

export const TABLE_FILE = 'offline-words.bin';

/** The decoded table: words in frequency order, their corpus rank, and int8 vectors with one scale per word. */
export interface WordTable {
  readonly dims: number;
  readonly count: number;
  /** word → row */
  readonly rows: Map<string, number>;
  /** Rank of each row's word in the source corpus' frequency list (0 = most frequent). */
  readonly ranks: Uint32Array;
  readonly scales: Float32Array;
  readonly vectors: Int8Array;
  /** First 16 hex digits of the SHA-256 of the table body: part of the embedder's version. */
  readonly digest: string;
  readonly bytes: number;
}

interface Header { format: number; count: number; dims: number; wordBytes: number; sha256: string }

const loaded = new Map<string, WordTable>();

function moduleDir(): string {
  // The CJS bundle gets import.meta.url from tsup's --shims.
  return path.dirname(fileURLToPath(import.meta.url));
}

/** The package's generated/ folder: one level above the bundle (dist/), three above this source file. */
export function defaultTablePath(): string {
  const here = moduleDir();
  const fromSources = here.endsWith(path.join('src', 'semantic', 'embedders'));
  return path.resolve(here, fromSources ? '../../..' : '..', 'generated', TABLE_FILE);
}

/** Reads and checks a table once per path; later calls share the same memory. */
export function loadWordTable(file: string = defaultTablePath()): WordTable {
  const cached = loaded.get(file);
  if (cached) return cached;
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (cause) {
    throw new EmbedderError(
      'offline_table_missing',
      `the offline embedder's word table ${file} is missing; run \`pnpm install\` (or \`node packages/core/scripts/build-word-table.mjs\`) in the repository, or reinstall @vectorcache/core`,
      { cause },
    );
  }
  const table = decode(buf, file);
  loaded.set(file, table);
  return table;
}

function decode(buf: Buffer, file: string): WordTable {
  const corrupt = (why: string) => new EmbedderError('offline_table_corrupt', `the offline word table ${file} is unreadable (${why}); rebuild it with \`node packages/core/scripts/build-word-table.mjs --force\``);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'VCWT' || buf.readUInt32LE(4) !== 1) throw corrupt('bad magic');
  const headLen = buf.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headLen)) as Header;
  } catch {
    throw corrupt('bad header');
  }
  const { count, dims, wordBytes } = header;
  const start = 12 + headLen;
  const expected = start + wordBytes + count * 8 + count * dims;
  if (header.format !== 1 || buf.length !== expected) throw corrupt('wrong size');
  const body = buf.subarray(start);
  const sha = createHash('sha256').update(body).digest('hex');
  if (sha !== header.sha256) throw corrupt('checksum mismatch');
  const words = buf.toString('utf8', start, start + wordBytes).trimEnd().split('\n');
  if (words.length !== count) throw corrupt('word count');
  const rows = new Map<string, number>();
  for (const [i, w] of words.entries()) rows.set(w, i);
  // Copies give aligned, independent arrays (the file buffer may sit at any offset of Node's pool).
  let at = start + wordBytes;
  const ranks = new Uint32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + count * 4));
  at += count * 4;
  const scales = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + count * 4));
  at += count * 4;
  const vectors = new Int8Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + count * dims));
  return { dims, count, rows, ranks, scales, vectors, digest: sha.slice(0, 16), bytes: buf.length };
}
