// In-process helpers for the privacy suites: request views for guard.handle and a handler that answers misses.
import { createKey, MemoryKeyStore, type Decision, type Guard, type GuardRequest, type KeyStore } from '@vectorcache/core';

export const SECRET = 'privacy-suite-secret-privacy-suite-secret-0123';

export async function keyFor(store: KeyStore, tenant: string, scopes: string[]): Promise<string> {
  return (await createKey(store, { environment: 'dev', name: 'privacy test', scopes, tenant })).key;
}

export async function freshKeys(): Promise<{ store: MemoryKeyStore; full: string; other: string }> {
  const store = new MemoryKeyStore();
  return { store, full: await keyFor(store, 'acme', ['cache:read', 'cache:write', 'privacy:admin']), other: await keyFor(store, 'globex', ['*']) };
}

export function view(key: string, subject: string | undefined, content: string, headers: Record<string, string> = {}): GuardRequest {
  return {
    method: 'POST',
    url: '/v1/chat/completions',
    headers: {
      authorization: `Bearer ${key}`, 'content-type': 'application/json',
      ...(subject === undefined ? {} : { 'x-vectorcache-subject': subject }), ...headers,
    },
    remoteAddress: '127.0.0.1',
    encrypted: false,
    body: { model: 'gpt-test', messages: [{ role: 'user', content }] },
  };
}

export const answerFor = (content: string) => ({ id: 'chatcmpl-x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `answer to ${content}` } }] });

export type Status = 'hit' | 'miss' | 'bypass' | 'deny' | 'admin';
export function statusOf(decision: Decision): Status {
  if (decision.kind === 'deny') return 'deny';
  if (decision.kind === 'respond') return decision.source;
  return decision.cacheStatus;
}

/** One request through the guard; a miss runs the "handler" and waits until its answer is stored. */
export async function ask(guard: Guard, key: string, subject: string | undefined, content: string, headers: Record<string, string> = {}): Promise<Status> {
  const decision = await guard.handle(view(key, subject, content, headers));
  if (decision.kind === 'pass' && decision.ticket) {
    await guard.complete(decision.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answerFor(content)) }).done;
  }
  return statusOf(decision);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
