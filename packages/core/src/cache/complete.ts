// Completion and sealing: a miss's answer is checked, PII-scanned, encrypted and stored, unless an erase won the race.
import type { CacheStore, StoredEntry } from '../types.js';
import type { CacheTicket, CapturedResponse, CompleteResult } from '../contract.js';
import type { PiiScanner } from '../pii/index.js';
import type { StatsBook } from '../stats.js';
import type { EventHub } from '../monitor/hub.js';
import type { EraseFences } from '../privacy/fences.js';
import type { EntryKeys } from './entry-keys.js';
import type { WriteTracker } from './writes.js';
import { withTimeout } from './timeout.js';
import { headerText, storableHead } from './response-policy.js';

/** Response headers worth replaying on a hit. */
const REPLAYED_HEADERS = ['content-type', 'content-language', 'openai-model', 'x-request-model'];

export interface CompleterDeps {
  cache: CacheStore;
  keys: EntryKeys;
  fences: EraseFences;
  writes: WriteTracker;
  pii: PiiScanner | undefined;
  stats: StatsBook;
  hub: EventHub;
  maxEntryBytes: number;
  cacheTimeoutMs: number;
  /** Told after an entry was handed to the store (semantic indexing and the like). */
  onStored?: (ticket: CacheTicket, entry: StoredEntry, answer: unknown) => void;
}

const skip = (reason?: string): CompleteResult => ({ stored: false, reason, done: Promise.resolve() });

export class Completer {
  readonly #d: CompleterDeps;

  constructor(deps: CompleterDeps) {
    this.#d = deps;
  }

  complete(ticket: CacheTicket, response: CapturedResponse): CompleteResult {
    const d = this.#d;
    if (!storableHead(response)) return skip('not_cacheable');
    const text = typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8');
    const size = Buffer.byteLength(text);
    if (size > d.maxEntryBytes) return skip('not_cacheable');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return skip('not_cacheable');
    }
    if (d.fences.erasedSince(ticket.tenant, ticket.subject, ticket.startedAt)) return skip();
    if (d.pii) {
      const verdict = d.pii.inspect(parsed);
      if (verdict.action !== 'none') {
        const p = ticket.principal;
        d.hub.emit('pii.detected_in_response', { requestId: ticket.requestId, keyId: p.keyId, keyHint: p.hint, tenant: ticket.tenant, detectors: verdict.counts });
        d.stats.bypass(ticket.tenant, 'pii_in_response');
        return skip('pii_in_response');
      }
    }
    const entry = this.#entry(ticket, response, text, size, parsed);
    return { stored: true, done: this.#write(ticket, entry, parsed) };
  }

  #entry(ticket: CacheTicket, response: CapturedResponse, text: string, size: number, parsed: unknown): StoredEntry {
    const now = Date.now();
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = headerText(response.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const usage = (parsed as { usage?: { total_tokens?: unknown } } | null)?.usage;
    const tokens = typeof usage?.total_tokens === 'number' ? usage.total_tokens : undefined;
    const sealed = this.#d.keys.codec.seal({ request: ticket.request, response: text });
    const entry: StoredEntry = {
      v: 1, tenant: ticket.tenant, model: ticket.model, createdAt: now, expiresAt: now + ticket.ttlMs,
      enc: sealed.enc, request: sealed.request, response: sealed.response,
      status: 200, headers, size, elapsedMs: now - ticket.startedAt, bind: this.#d.keys.bind(ticket.key, text),
    };
    // Optional fields are added, never deleted: `delete` turns the object into a slow dictionary,
    // which made every later copy of the entry (the store's frozen copy) ~25× slower.
    if (ticket.subject !== undefined) entry.subject = ticket.subject;
    if (tokens !== undefined) entry.tokens = tokens;
    return entry;
  }

  /** Settles when the write finished (never rejects); an erase that ran meanwhile, here or elsewhere, wins. */
  #write(ticket: CacheTicket, entry: StoredEntry, parsed: unknown): Promise<void> {
    const { cache, fences, writes, hub } = this.#d;
    const write = Promise.resolve().then(() => cache.set(ticket.key, entry, ticket.ttlMs)).then(async () => {
      if (fences.erasedSince(ticket.tenant, ticket.subject, ticket.startedAt) || await fences.erasedElsewhere(ticket)) {
        await cache.delete(ticket.key);
        return;
      }
      this.#d.onStored?.(ticket, entry, parsed);
    });
    const release = writes.track(ticket, write);
    write.then(release, release);
    return withTimeout(write, this.#d.cacheTimeoutMs * 5).then(
      () => undefined,
      () => { hub.emit('cache.unavailable', { requestId: ticket.requestId, tenant: ticket.tenant, operation: 'set' }); },
    );
  }
}
