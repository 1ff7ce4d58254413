// Shared helpers for the encryption-at-rest suites: guarded round trips, raw entry access, Python Fernet.
import { execFileSync } from 'node:child_process';
import {
  cacheKey, canonicalJson, createGuard, createKey, MemoryKeyStore,
  type CacheStore, type EncryptionOptions, type Guard, type GuardEvent, type GuardOptions, type GuardRequest, type PassDecision,
} from '@vectorcache/core';

export const SECRET_A = 'secret-A-for-encryption-tests-0123456789abcdef';
export const SECRET_B = 'secret-B-for-encryption-tests-fedcba9876543210';
/** Low on purpose: every guard derives its keys, and the machine is shared. */
export const ITERATIONS = 1000;
export const ROUTE = 'POST /v1/chat/completions';
export const TENANT = 'acme';

export function chatBody(content: string): Record<string, unknown> {
  return { model: 'gpt-test', messages: [{ role: 'user', content }] };
}

export function answerFor(content: string): string {
  return JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `answer to ${content}` } }], usage: { total_tokens: 7 } });
}

export interface TestGuard {
  guard: Guard;
  apiKey: string;
  events: GuardEvent[];
}

/** A dev guard over `cache` with one full-scope key for tenant `acme` (PII scanning off: these suites test encryption). */
export async function makeGuard(cache: CacheStore, encryption: EncryptionOptions | undefined, extra: Partial<GuardOptions> = {}): Promise<TestGuard> {
  const keys = new MemoryKeyStore();
  const { key } = await createKey(keys, { environment: 'dev', name: 't', scopes: ['cache:read', 'cache:write'], tenant: TENANT });
  const events: GuardEvent[] = [];
  const guard = createGuard({
    environment: 'dev', keys, cache, onEvent: (e) => events.push(e), pii: false,
    ...(encryption ? { encryption: { iterations: ITERATIONS, ...encryption } } : {}),
    silenceWarnings: ['VC_SHARED_STORE', 'VC_ENCRYPTION_LOW_ITERATIONS', 'VC_NO_ENCRYPTION', 'VC_ENCRYPTION_INDEX_FROM_OLDEST'],
    ...extra,
  });
  await guard.ready();
  return { guard, apiKey: key, events };
}

export function view(apiKey: string, body: unknown): GuardRequest {
  return {
    method: 'POST', url: '/v1/chat/completions', remoteAddress: '127.0.0.1', encrypted: false, body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
  };
}

/** One request through the gate: 'hit' with the body served, or 'miss' after storing `answer`. */
export async function ask(t: TestGuard, content: string): Promise<{ status: 'hit' | 'miss' | 'bypass'; body?: string }> {
  const decision = await t.guard.handle(view(t.apiKey, chatBody(content)));
  if (decision.kind === 'respond') return { status: 'hit', body: decision.body };
  if (decision.kind !== 'pass') throw new Error(`unexpected decision ${decision.kind}`);
  const pass = decision as PassDecision;
  if (!pass.ticket) return { status: 'bypass' };
  const result = t.guard.complete(pass.ticket, { status: 200, headers: { 'content-type': 'application/json' }, body: answerFor(content) });
  await result.done;
  return { status: pass.cacheStatus === 'miss' ? 'miss' : 'bypass' };
}

/** The cache key the gate uses for `content`, computed the way guard.ts does (no subject). */
export function keyFor(indexKey: Uint8Array, content: string): string {
  return cacheKey(indexKey, { tenant: TENANT, route: ROUTE, model: 'gpt-test', canonical: canonicalJson(chatBody(content), new Set(['stream', 'stream_options', 'user'])) });
}

/** Waits until `check` holds (background re-encryption and deletes are fire-and-forget). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const PYTHON = `
import json, sys, base64
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
req = json.load(sys.stdin)
kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=req["salt"].encode(), iterations=req["iterations"])
key = base64.urlsafe_b64encode(kdf.derive(req["secret"].encode()))
f = Fernet(key)
out = []
for token in req["tokens"]:
    try:
        out.append(f.decrypt(token.encode()).decode("utf-8"))
    except InvalidToken:
        out.append(None)
json.dump({"key": key.decode(), "plaintexts": out}, sys.stdout)
`;

/**
 * Derives the key in Python (PBKDF2HMAC) from secret and salt and decrypts each token with
 * `cryptography.fernet`; null for a token that key cannot open. The secret travels on stdin only.
 */
export function pythonDecrypt(secret: string, salt: string, tokens: string[], iterations = ITERATIONS): { key: string; plaintexts: Array<string | null> } {
  const out = execFileSync('python3', ['-c', PYTHON], { input: JSON.stringify({ secret, salt, iterations, tokens }), encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as { key: string; plaintexts: Array<string | null> };
}
