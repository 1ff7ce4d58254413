// Client of any OpenAI-compatible `POST {baseURL}/embeddings` endpoint, on global fetch: batching, timeout, coded errors.
import { createHash } from 'node:crypto';
import { optionError } from '../../errors.js';
import type { Embedder } from '../types.js';
import { EmbedderError } from './errors.js';
import { checkedUnitVector } from './vectors.js';

export interface OpenAIEmbedderOptions {
  /** API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/embeddings` is appended. Required. */
  baseURL: string;
  /** Sent as `Authorization: Bearer …`; omit for local servers that need none. Never logged or put in errors. */
  apiKey?: string;
  /** Model name, e.g. `text-embedding-3-small`. Required. */
  model: string;
  /** Vector length. Defaults to the model's native size for OpenAI's models; required for any other model. */
  dimensions?: number;
  /** Texts per request. Defaults to 64. */
  batchSize?: number;
  /** Deadline of one `embed` call, all batches included. Defaults to 2000 ms. */
  timeoutMs?: number;
}

const NATIVE: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };

/** An embedder that asks a remote model; any failure rejects with an EmbedderError so the guard skips semantic lookup. */
export function openAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const o = validate(options);
  const url = `${o.baseURL.replace(/\/+$/, '')}/embeddings`;
  const origin = new URL(url).origin;
  // Only OpenAI's v3 models accept `dimensions`; others are checked against it but not sent it.
  const sendDimensions = o.model.startsWith('text-embedding-3') && o.dimensions !== NATIVE[o.model];
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const source = `embedder openai:${o.model} at ${origin}`;
  const maxBytes = (vectors: number) => 4096 + vectors * o.dimensions * 32;

  async function batch(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    const body = JSON.stringify({ model: o.model, input: texts, encoding_format: 'float', ...(sendDimensions ? { dimensions: o.dimensions } : {}) });
    const res = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'error' });
    if (!res.ok) {
      const code = await errorCode(res, signal);
      throw new EmbedderError('embedder_http_error', `${source} answered HTTP ${res.status}${code ? ` (${code})` : ''}`, { status: res.status });
    }
    const json = await readJson(res, maxBytes(texts.length), source);
    return vectorsOf(json, texts.length, o.dimensions, source);
  }

  return {
    id: `openai:${o.model}`,
    version: `${o.dimensions}@${createHash('sha256').update(origin).digest('hex').slice(0, 8)}`,
    dimensions: o.dimensions,
    async embed(texts, callOptions = {}) {
      if (texts.length === 0) return [];
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const signal = callOptions.signal ? AbortSignal.any([timeout, callOptions.signal]) : timeout;
      const batches: Array<readonly string[]> = [];
      for (let i = 0; i < texts.length; i += o.batchSize) batches.push(texts.slice(i, i + o.batchSize));
      try {
        return (await Promise.all(batches.map((b) => batch(b, signal)))).flat();
      } catch (cause) {
        if (cause instanceof EmbedderError) throw cause;
        if (timeout.aborted) throw new EmbedderError('embedder_timeout', `${source} did not answer within ${o.timeoutMs} ms`);
        if (callOptions.signal?.aborted) throw new EmbedderError('embedder_aborted', `${source}: call aborted by the caller`);
        throw new EmbedderError('embedder_unavailable', `${source} could not be reached (${errorName(cause)})`);
      }
    },
  };
}

function validate(options: OpenAIEmbedderOptions): Required<Omit<OpenAIEmbedderOptions, 'apiKey'>> & { apiKey?: string } {
  if (typeof options !== 'object' || options === null) throw optionError('openAIEmbedder options', 'must be an object { baseURL, model, … }');
  const { baseURL, apiKey, model } = options;
  let parsed: URL | undefined;
  try {
    parsed = typeof baseURL === 'string' ? new URL(baseURL) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) throw optionError('baseURL', 'must be an http(s) URL such as https://api.openai.com/v1');
  if (parsed.username || parsed.password) throw optionError('baseURL', 'must not carry credentials; pass the key as `apiKey`');
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.length === 0 || /[\r\n]/.test(apiKey))) throw optionError('apiKey', 'must be a non-empty single-line string, or be left out');
  if (typeof model !== 'string' || !/^[\w.:@/-]{1,200}$/.test(model)) throw optionError('model', 'must be a model name such as text-embedding-3-small');
  const dimensions = options.dimensions ?? NATIVE[model];
  if (dimensions === undefined) throw optionError('dimensions', `is required for model ${model} (the length of its vectors, e.g. 768)`);
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536) throw optionError('dimensions', 'must be an integer between 1 and 65536');
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2048) throw optionError('batchSize', 'must be an integer between 1 and 2048');
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) throw optionError('timeoutMs', 'must be a number of milliseconds between 1 and 120000');
  return { baseURL, model, dimensions, batchSize, timeoutMs, ...(apiKey === undefined ? {} : { apiKey }) };
}

/** Reads at most `max` bytes of JSON; a larger or malformed body is a bad response, not a crash. */
async function readJson(res: Response, max: number, source: string): Promise<unknown> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) throw new EmbedderError('embedder_bad_response', `${source} sent a body larger than ${max} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > max) throw new EmbedderError('embedder_bad_response', `${source} sent a body larger than ${max} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new EmbedderError('embedder_bad_response', `${source} sent a body that is not JSON`);
  }
}

function vectorsOf(json: unknown, count: number, dimensions: number, source: string): Float32Array[] {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbedderError('embedder_bad_response', `${source} sent ${Array.isArray(data) ? data.length : 'no'} embeddings for ${count} texts`);
  }
  const out = new Array<Float32Array | undefined>(count);
  data.forEach((item: unknown, position) => {
    const { index = position, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || out[index]) {
      throw new EmbedderError('embedder_bad_response', `${source} sent an embedding with a wrong index`);
    }
    out[index] = checkedUnitVector(embedding, dimensions, source, index);
  });
  return out as Float32Array[];
}

/** A short machine code of an error answer (`invalid_api_key`…); the server's free text may echo secrets, so it is dropped. */
async function errorCode(res: Response, signal: AbortSignal): Promise<string | undefined> {
  try {
    if (signal.aborted) return undefined;
    const json = (await readJson(res, 16_384, '')) as { error?: { code?: unknown; type?: unknown } } | null;
    const code = json?.error?.code ?? json?.error?.type;
    return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function errorName(cause: unknown): string {
  const code = (cause as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : cause instanceof Error ? cause.name : 'error';
}
