// The chat backends of the examples: a deterministic offline model, or any OpenAI-compatible upstream.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChatBody {
  model?: string;
  messages?: Array<{ role: string; content?: unknown }>;
  stream?: boolean;
  [field: string]: unknown;
}

/**
 * Headers of a streamed answer. `no-cache` is the SSE convention that keeps proxies from buffering a
 * live stream; unlike `no-store` it lets the guard store the completion (and replay it as a stream).
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

export type ChatResult =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'stream'; status: number; chunks: AsyncIterable<string> };

export interface ChatBackend {
  /** True when answers come from an upstream that takes an API key (tenants may bring their own). */
  readonly upstream: boolean;
  complete(body: ChatBody, options: { upstreamKey?: string; signal?: AbortSignal }): Promise<ChatResult>;
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join(' ');
  return '';
}

function tokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4));
}

/** Answers like a model would, deterministically, after a delay so that a cache hit is visibly faster. */
export function offlineModel(delayMs: number): ChatBackend {
  return {
    upstream: false,
    async complete(body, { signal }) {
      const model = typeof body.model === 'string' ? body.model : 'offline-1';
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
      const question = text(lastUser?.content).slice(0, 500);
      const digest = createHash('sha256').update(JSON.stringify(messages)).digest('hex');
      const answer = `Offline answer ${digest.slice(0, 8)}: you asked "${question}". Set UPSTREAM_BASE_URL for a real model.`;
      await sleep(delayMs, undefined, { signal });
      const id = `chatcmpl-${digest.slice(0, 24)}`;
      const created = Math.floor(Date.now() / 1000);
      const promptTokens = tokens(messages.map((m) => text(m?.content)).join(' '));
      const completionTokens = tokens(answer);
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      if (body.stream === true) {
        const options = body.stream_options as { include_usage?: unknown } | undefined;
        // OpenAI's contract: with include_usage, `usage: null` on every chunk, then one `choices: []` chunk with the usage.
        const tail = options?.include_usage === true ? { usage: null } : {};
        const frame = (choices: unknown[], extra: object = tail) => JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra });
        async function* chunks(): AsyncIterable<string> {
          const words = answer.split(' ');
          yield frame([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]);
          for (let i = 0; i < words.length; i++) {
            yield frame([{ index: 0, delta: { content: (i ? ' ' : '') + words[i] }, logprobs: null, finish_reason: null }]);
          }
          yield frame([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
          if (options?.include_usage === true) yield frame([], { usage });
        }
        return { kind: 'stream', status: 200, chunks: chunks() };
      }
      return {
        kind: 'json',
        status: 200,
        body: {
          id, object: 'chat.completion', created, model,
          choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage,
        },
      };
    },
  };
}

/** Forwards to an OpenAI-compatible upstream; SSE is passed through event by event. */
export function upstreamModel(baseUrl: string, defaultKey: string | undefined): ChatBackend {
  const url = baseUrl.replace(/\/+$/, '') + '/chat/completions';
  return {
    upstream: true,
    async complete(body, { upstreamKey, signal }) {
      const key = upstreamKey ?? defaultKey;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
        signal,
      });
      if (body.stream === true && response.ok && response.body) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        async function* chunks(): AsyncIterable<string> {
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const event = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              for (const line of event.split('\n')) {
                if (line.startsWith('data:')) {
                  const data = line.slice(5).trim();
                  if (data !== '[DONE]') yield data;
                }
              }
            }
          }
        }
        return { kind: 'stream', status: 200, chunks: chunks() };
      }
      const payload = await response.json().catch(() => ({ error: { message: 'upstream answered with invalid JSON' } }));
      return { kind: 'json', status: response.status, body: payload };
    },
  };
}

/** The tenant's own upstream key (bring your own key) when one is stored, else the server's default. */
export async function tenantUpstreamKey(
  backend: ChatBackend, guard: { secrets: { get(tenant: string, provider: string): Promise<string | undefined> } }, tenant: string | undefined,
): Promise<string | undefined> {
  if (!backend.upstream || !tenant) return undefined;
  // A broken secret store must not take the route down: the server's own key still answers.
  return guard.secrets.get(tenant, 'openai').catch(() => undefined);
}
