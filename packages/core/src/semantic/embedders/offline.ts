// The built-in offline embedder: SIF-weighted GloVe word vectors plus hashed lexical features; nothing leaves the process.
import { createHash } from 'node:crypto';
import type { Embedder } from '../types.js';
import { STOPWORDS } from '../text/stopwords.js';
import { stem, words } from '../text/words.js';
import { loadWordTable, type WordTable } from './table.js';

export const OFFLINE_EMBEDDER_ID = 'vectorcache-offline';
/** Cosine similarity from which the offline embedder's nearest candidate counts as a hit (tuned on the project's benchmark). */
export const OFFLINE_DEFAULT_THRESHOLD = 0.84;
/** Bump whenever the tokenizer, stemmer or feature code would embed a text differently. */
const ALGORITHM = 1;

/** Tuning of the offline embedder; the defaults were chosen on the project's own benchmark (docs/semantic.md). */
export interface OfflineParams {
  /** SIF smoothing `a` in a / (a + p(w)). */
  sif: number;
  /** Hashed lexical dimensions appended to the word-vector dimensions (0 = word vectors only). */
  lexicalDims: number;
  /** Share of the squared norm given to the word-vector part (1 = GloVe-SIF only, 0 = lexical only). */
  semanticShare: number;
  /** Weight of ordered pairs of consecutive content words relative to unigrams in the lexical part. */
  bigramWeight: number;
  /** Words whose SIF weight is below this are function words: no bigrams through them. */
  contentMin: number;
  /** Weight of a stop word (STOPWORDS) instead of its SIF weight (negative = use SIF). */
  stopWeight: number;
  /** Weight of character trigrams relative to unigrams in the lexical part (0 = none). */
  trigramWeight: number;
}

export const DEFAULT_OFFLINE_PARAMS: Readonly<OfflineParams> = Object.freeze({
  sif: 1e-3, lexicalDims: 256, semanticShare: 0.25, bigramWeight: 1, contentMin: 0.3, stopWeight: 0.02, trigramWeight: 0,
});

export interface OfflineEmbedderOptions {
  /** Path of a word table built by `scripts/build-word-table.mjs`. Defaults to the table shipped with the package. */
  tablePath?: string;
}

/** The embedded default: deterministic, synchronous, no network, no model download. */
export function offlineEmbedder(options: OfflineEmbedderOptions = {}): Embedder {
  return createOfflineEmbedder(loadWordTable(options.tablePath), DEFAULT_OFFLINE_PARAMS);
}

// Zipf's law: the word of rank r has probability ≈ 1 / ((r + 1) · H), H the harmonic number of the vocabulary.
const VOCABULARY = 400_000;
const HARMONIC = Math.log(VOCABULARY) + 0.5772;

/** Below this weight a word's vector is not added: it would move the sum by less than the int8 rounding. */
const MIN_VECTOR_WEIGHT = 0.05;

/** Builds an embedder over a loaded table with explicit parameters (benchmarks compare variants this way). */
export function createOfflineEmbedder(table: WordTable, params: OfflineParams): Embedder {
  const model = prepare(table, params);
  const semDims = params.semanticShare > 0 ? table.dims : 0;
  const lexDims = params.semanticShare < 1 ? params.lexicalDims : 0;
  const dimensions = semDims + lexDims;
  // The stop-word list is hashed with the parameters, so editing it changes the version by itself.
  const paramsTag = createHash('sha256').update(JSON.stringify(params)).update([...STOPWORDS].join(' ')).digest('hex').slice(0, 8);
  const version = `${ALGORITHM}.${table.digest}.${paramsTag}`;
  const semScale = Math.sqrt(params.semanticShare);
  const lexScale = Math.sqrt(1 - params.semanticShare);

  const one = (text: string): Float32Array => {
    const tokens = words(text);
    const sem = new Float64Array(semDims);
    const lex = new Float64Array(lexDims);
    let prevHash = 0;
    let prevWeight = 0;
    for (const token of tokens) {
      const row = table.rows.get(token) ?? -1;
      const weight = row >= 0 ? (model.weights[row] as number) : model.oovWeight;
      if (semDims > 0 && row >= 0 && weight >= MIN_VECTOR_WEIGHT) addVector(sem, table, row, weight);
      if (lexDims === 0) continue;
      const h = row >= 0 ? (model.hashes[row] as number) : fnv(stem(token));
      bump(lex, h, weight);
      if (params.trigramWeight > 0 && token.length > 3) addTrigrams(lex, token, params.trigramWeight * weight);
      if (weight < params.contentMin) continue;
      if (prevWeight > 0 && params.bigramWeight > 0) bump(lex, mix(prevHash, h), params.bigramWeight * Math.sqrt(weight * prevWeight));
      prevHash = h;
      prevWeight = weight;
    }
    // Each part is scaled to its share, so cos = share·cos_sem + (1 − share)·cos_lex when both are present.
    const out = new Float32Array(dimensions);
    const s = scaleOf(sem, semScale);
    const l = scaleOf(lex, lexScale);
    for (let d = 0; d < semDims; d++) out[d] = (sem[d] as number) * s;
    for (let d = 0; d < lexDims; d++) out[semDims + d] = (lex[d] as number) * l;
    return normalise(out);
  };
  return { id: OFFLINE_EMBEDDER_ID, version, dimensions, embed: (texts) => texts.map(one) };
}

/** Per-row SIF weights (stop words overridden) and stemmed-word hashes, computed once per embedder. */
function prepare(table: WordTable, params: OfflineParams): { weights: Float32Array; hashes: Uint32Array; oovWeight: number } {
  const weights = new Float32Array(table.count);
  for (let i = 0; i < table.count; i++) weights[i] = sifWeight(table.ranks[i] as number, params.sif);
  if (params.stopWeight >= 0) {
    for (const w of STOPWORDS) {
      const row = table.rows.get(w);
      if (row !== undefined) weights[row] = params.stopWeight;
    }
  }
  const hashes = new Uint32Array(table.count);
  for (const [word, row] of table.rows) hashes[row] = fnv(stem(word));
  return { weights, hashes, oovWeight: sifWeight(VOCABULARY, params.sif) };
}

function sifWeight(rank: number, a: number): number {
  const p = 1 / ((rank + 1) * HARMONIC);
  return a / (a + p);
}

function addVector(sem: Float64Array, table: WordTable, row: number, weight: number): void {
  const dims = table.dims;
  const w = weight * (table.scales[row] as number);
  const v = table.vectors;
  const base = row * dims;
  for (let d = 0; d < dims; d++) sem[d] = (sem[d] as number) + w * (v[base + d] as number);
}

function scaleOf(part: Float64Array, share: number): number {
  let sum = 0;
  for (let d = 0; d < part.length; d++) sum += (part[d] as number) ** 2;
  return sum > 0 ? share / Math.sqrt(sum) : 0;
}

function addTrigrams(lex: Float64Array, token: string, weight: number): void {
  const padded = `<${token}>`;
  const each = weight / Math.sqrt(padded.length - 2);
  for (let i = 0; i + 3 <= padded.length; i++) {
    let h = 0x01000193;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193);
    bump(lex, h, each);
  }
}

/** Signed feature hashing: the low bit picks the sign, so colliding features cancel on average. */
function bump(lex: Float64Array, hash: number, weight: number): void {
  const slot = (hash >>> 1) % lex.length;
  lex[slot] = (lex[slot] as number) + (hash & 1 ? weight : -weight);
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let d = 0; d < v.length; d++) sum += (v[d] as number) ** 2;
  if (sum === 0) return v;
  const k = 1 / Math.sqrt(sum);
  for (let d = 0; d < v.length; d++) v[d] = (v[d] as number) * k;
  return v;
}
