// Subject erase and export over any CacheStore, shared by the guard's privacy API and operator tools (CLI).
import type { CacheStore, StoredEntry } from '../types.js';
import type { EntryCodec } from '../entries.js';
import type { EraseReceipt, ExportedEntry } from '../contract.js';

/** How many times {@link eraseSubject} goes round when writes keep landing during the erase. */
const ERASE_PASSES = 3;

export interface SubjectExportOptions {
  /**
   * Called for an entry whose fields are plaintext (legacy) or under an older key, so the caller
   * can re-encrypt it. Defaults to nothing (the entry is left as it is).
   */
  onStale?: (key: string, entry: StoredEntry) => void;
  /** Called for an entry that cannot be opened (tampered, unknown key); it is skipped, never exported. Defaults to nothing. */
  onIntegrityFailure?: (key: string) => void;
  /** Entries that expired before this instant (epoch ms) are skipped. Defaults to Date.now(). */
  now?: number;
}

/**
 * The subject's entries in one tenant, decrypted, one at a time, so a large export never has to
 * be held in memory at once. `subject` is the keyed hash (see `subjectHash`), never the raw id.
 * Entries whose stored tenant or subject do not match are skipped: an index that points at the
 * wrong entry must never hand out someone else's data.
 */
export async function* subjectEntries(
  cache: CacheStore, codec: EntryCodec, tenant: string, subject: string, options: SubjectExportOptions = {},
): AsyncGenerator<ExportedEntry> {
  const now = options.now ?? Date.now();
  for (const key of await cache.keysForSubject(tenant, subject)) {
    const entry = await cache.get(key);
    if (!entry || entry.tenant !== tenant || entry.subject !== subject || entry.expiresAt <= now) continue;
    let exported: ExportedEntry;
    let stale = false;
    try {
      const request = codec.open(entry, 'request');
      const response = codec.open(entry, 'response');
      stale = request.stale || response.stale;
      exported = {
        prompt: JSON.parse(request.text),
        response: JSON.parse(response.text),
        model: entry.model,
        created: new Date(entry.createdAt).toISOString(),
        expires: new Date(entry.expiresAt).toISOString(),
      };
    } catch {
      options.onIntegrityFailure?.(key);
      continue;
    }
    if (stale) options.onStale?.(key, entry);
    yield exported;
  }
}

/** Every entry of the subject in the tenant, decrypted (see {@link subjectEntries}). */
export async function exportSubject(
  cache: CacheStore, codec: EntryCodec, tenant: string, subject: string, options: SubjectExportOptions = {},
): Promise<ExportedEntry[]> {
  const out: ExportedEntry[] = [];
  for await (const entry of subjectEntries(cache, codec, tenant, subject, options)) out.push(entry);
  return out;
}

/**
 * Deletes every entry of the subject in the tenant and returns how many existed. Goes round again
 * while the index still lists entries, because a process without the guard's in-memory fence
 * (e.g. the CLI) may race a write that was already in flight when the erase began.
 */
export async function eraseSubject(cache: CacheStore, tenant: string, subject: string): Promise<number> {
  let erased = 0;
  for (let pass = 0; pass < ERASE_PASSES; pass++) {
    erased += Number(await cache.deleteSubject(tenant, subject));
    if ((await cache.keysForSubject(tenant, subject)).length === 0) break;
  }
  return erased;
}

/** The receipt an erase hands back and audits: the subject appears only as its hash. */
export function eraseReceipt(tenant: string, subject: string, erased: number, at: Date = new Date()): EraseReceipt {
  return { tenant, subject, erased, at: at.toISOString() };
}
