// The guard's `semantic` option: validated once at construction, with errors naming the option and the fix.
import { optionError } from '../errors.js';
import { OFFLINE_DEFAULT_THRESHOLD, OFFLINE_EMBEDDER_ID } from './embedders/offline.js';
import { SEMANTIC_MAX_CHARS, SEMANTIC_MIN_CHARS, SEMANTIC_MIN_WORDS, type SemanticGuardOptions } from './guards.js';
import type { Embedder, VectorIndex } from './types.js';

export interface SemanticOptions {
  /** Turns texts into vectors: `offlineEmbedder()` (no network), `openAIEmbedder({...})`, `functionEmbedder(fn, {...})`. Required. */
  embedder: Embedder;
  /** Where vectors live: `new MemoryVectorIndex({ dimensions })` or `new PgVectorIndex({...})`. Required; its `dimensions` must be the embedder's. */
  index: VectorIndex & { readonly dimensions?: number };
  /**
   * Cosine similarity a candidate needs (0..1). Also the floor: a request may raise it with
   * `X-Vectorcache-Semantic-Threshold`, never lower it. Defaults to the offline embedder's measured
   * default (0.84); required for any other embedder.
   */
  threshold?: number;
  /** False-hit guards (literals, negation, entities), each on by default. */
  guards?: SemanticGuardOptions;
  /** Store vectors under a per-tenant keyed rotation derived from the encryption secret (obfuscation). Defaults to true. */
  rotation?: boolean;
  /** Bound of one embedder call and of one index call; past it the semantic lookup is skipped. Defaults to 50 ms. */
  timeoutMs?: number;
  /** Candidates fetched from the index, best first; the first whose entry is sound answers. Defaults to 3. */
  candidates?: number;
  /** Shortest last user message matched semantically, in words / characters. Defaults to 3 / 12. */
  minWords?: number;
  minChars?: number;
  /** Longest last user message matched semantically, in characters. Defaults to 4096. */
  maxChars?: number;
  /** How often expired vectors are swept from the index. Defaults to 60_000 ms. */
  sweepMs?: number;
}

export interface NormalizedSemantic {
  embedder: Embedder;
  index: VectorIndex;
  threshold: number;
  guards: SemanticGuardOptions;
  rotation: boolean;
  timeoutMs: number;
  candidates: number;
  minWords: number;
  minChars: number;
  maxChars: number;
  sweepMs: number;
}

const KNOWN = ['embedder', 'index', 'threshold', 'guards', 'rotation', 'timeoutMs', 'candidates', 'minWords', 'minChars', 'maxChars', 'sweepMs'];
const INDEX_METHODS = ['upsert', 'search', 'deleteKeys', 'deleteOwner', 'sweep'];

function int(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw optionError(option, `must be an integer in ${min}..${max} (got ${JSON.stringify(value)}).`);
  }
  return value;
}

function embedderOf(value: unknown): Embedder {
  const e = value as Partial<Embedder> | null | undefined;
  if (!e || typeof e.embed !== 'function' || typeof e.id !== 'string' || typeof e.version !== 'string' || !Number.isSafeInteger(e.dimensions)) {
    throw optionError('semantic.embedder', 'must be an Embedder { id, version, dimensions, embed(texts) }: offlineEmbedder(), openAIEmbedder({...}) or functionEmbedder(fn, {...}).');
  }
  return e as Embedder;
}

function thresholdOf(value: unknown, embedder: Embedder): number {
  if (value === undefined) {
    if (embedder.id === OFFLINE_EMBEDDER_ID) return OFFLINE_DEFAULT_THRESHOLD;
    throw optionError('semantic.threshold', `is required for the embedder "${embedder.id}": a cosine in 0..1 measured on your data (no threshold would let the nearest neighbour always hit).`);
  }
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw optionError('semantic.threshold', `must be a number in (0, 1] (got ${JSON.stringify(value)}).`);
  return value;
}

function guardsOf(value: unknown): SemanticGuardOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw optionError('semantic.guards', 'must be an object such as { literals: true, negation: true, entities: false }.');
  for (const [name, on] of Object.entries(value)) {
    if (!['literals', 'negation', 'entities'].includes(name)) throw optionError(`semantic.guards.${name}`, 'is not a guard (known: literals, negation, entities).');
    if (typeof on !== 'boolean') throw optionError(`semantic.guards.${name}`, 'must be true or false.');
  }
  return value as SemanticGuardOptions;
}

export function normalizeSemantic(value: unknown): NormalizedSemantic | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'object' || value === null) throw optionError('semantic', 'must be { embedder, index, threshold? } or false.');
  for (const name of Object.keys(value)) {
    if (!KNOWN.includes(name)) throw optionError(`semantic.${name}`, `is not an option (known: ${KNOWN.join(', ')}).`);
  }
  const o = value as Record<string, unknown>;
  const embedder = embedderOf(o.embedder);
  const index = o.index as SemanticOptions['index'] | undefined;
  if (!index || INDEX_METHODS.some((m) => typeof (index as unknown as Record<string, unknown>)[m] !== 'function')) {
    throw optionError('semantic.index', 'must be a VectorIndex: new MemoryVectorIndex({ dimensions }) or new PgVectorIndex({ connectionString, dimensions }).');
  }
  if (index.dimensions !== undefined && index.dimensions !== embedder.dimensions) {
    throw optionError('semantic.index', `holds ${index.dimensions}-dimensional vectors but the embedder "${embedder.id}" makes ${embedder.dimensions}: build the index with dimensions: embedder.dimensions.`);
  }
  if (o.rotation !== undefined && typeof o.rotation !== 'boolean') throw optionError('semantic.rotation', 'must be true or false.');
  return {
    embedder,
    index,
    threshold: thresholdOf(o.threshold, embedder),
    guards: guardsOf(o.guards),
    rotation: o.rotation !== false,
    timeoutMs: int('semantic.timeoutMs', o.timeoutMs, 50, 1, 60_000),
    candidates: int('semantic.candidates', o.candidates, 3, 1, 20),
    minWords: int('semantic.minWords', o.minWords, SEMANTIC_MIN_WORDS, 1, 1000),
    minChars: int('semantic.minChars', o.minChars, SEMANTIC_MIN_CHARS, 1, 100_000),
    maxChars: int('semantic.maxChars', o.maxChars, SEMANTIC_MAX_CHARS, 1, 1_000_000),
    sweepMs: int('semantic.sweepMs', o.sweepMs, 60_000, 1000, 86_400_000),
  };
}
