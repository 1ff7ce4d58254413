// The guard's privacy API: erase (subject, tenant), export, and the "do not cache" marker, fenced against races.
import type { CacheStore, Principal } from '../types.js';
import type { EraseReceipt, ExportResult, PrivacyRights } from '../contract.js';
import { subjectHash } from '../canonical.js';
import { rewriteEntry } from '../entries.js';
import type { EntryKeys } from '../cache/entry-keys.js';
import type { WriteTracker } from '../cache/writes.js';
import type { EventHub } from '../monitor/hub.js';
import { eraseReceipt, eraseSubject, exportSubject } from './store-ops.js';
import { subjectFence, tenantFence, type EraseFences } from './fences.js';
import type { DoNotCacheMarkers } from './no-cache.js';

export interface PrivacyDeps {
  ready: () => Promise<void>;
  cache: CacheStore | false;
  keys: EntryKeys;
  fences: EraseFences;
  markers: DoNotCacheMarkers;
  writes: WriteTracker;
  hub: EventHub;
  /** Extra removals an erase must make (e.g. vectors of a semantic index). */
  onErase?: (owner: { tenant: string; subject?: string }) => Promise<void>;
}

function actorOf(actor: Principal | undefined): { keyId?: string; keyHint?: string } {
  return { keyId: actor?.keyId, keyHint: actor?.hint };
}

export function createPrivacyRights(d: PrivacyDeps): PrivacyRights {
  /** Fence, share the fence, wait for writes in flight, delete, fence again (a write that raced the delete must not land). */
  async function fenced(name: string, remove: () => Promise<number>): Promise<number> {
    d.fences.fence(name);
    await d.fences.share(name);
    await d.writes.drain(name);
    const erased = await remove();
    d.fences.fence(name);
    return erased;
  }

  return {
    async erase(input, actor): Promise<EraseReceipt> {
      await d.ready();
      const subject = subjectHash(d.keys.indexKey, input.tenant, input.subject);
      const cache = d.cache;
      const erased = await fenced(subjectFence(input.tenant, subject), async () => {
        const n = cache ? await eraseSubject(cache, input.tenant, subject) : 0;
        await d.onErase?.({ tenant: input.tenant, subject });
        return n;
      });
      if (input.doNotCache) await d.markers.set(input.tenant, subject, true);
      const receipt: EraseReceipt = { ...eraseReceipt(input.tenant, subject, erased), ...(input.doNotCache ? { doNotCache: true } : {}) };
      d.hub.emit('privacy.erased', { tenant: input.tenant, ...actorOf(actor), receipt });
      return receipt;
    },
    async allowCache(input, actor) {
      await d.ready();
      const subject = subjectHash(d.keys.indexKey, input.tenant, input.subject);
      await d.markers.set(input.tenant, subject, false);
      const receipt = { tenant: input.tenant, subject, cleared: true, at: new Date().toISOString() };
      d.hub.emit('privacy.do_not_cache_cleared', { tenant: input.tenant, ...actorOf(actor), receipt });
      return receipt;
    },
    async eraseTenant(tenant, actor) {
      await d.ready();
      const cache = d.cache;
      const erased = await fenced(tenantFence(tenant), async () => {
        const n = cache ? await cache.deleteTenant(tenant) : 0;
        await d.onErase?.({ tenant });
        return n;
      });
      const receipt = { tenant, erased, at: new Date().toISOString() };
      d.hub.emit('privacy.tenant_erased', { tenant, ...actorOf(actor), receipt });
      return receipt;
    },
    async export(input, actor): Promise<ExportResult> {
      await d.ready();
      const cache = d.cache || undefined;
      const subject = subjectHash(d.keys.indexKey, input.tenant, input.subject);
      const codec = d.keys.codec;
      const entries = cache
        ? await exportSubject(cache, codec, input.tenant, subject, {
          onStale: (key, entry) => { void Promise.resolve().then(() => rewriteEntry(cache, key, entry, codec)).catch(() => undefined); },
          onIntegrityFailure: () => d.hub.emit('cache.integrity_failure', { tenant: input.tenant, field: 'export' }),
        })
        : [];
      const result = { tenant: input.tenant, subject, at: new Date().toISOString(), entries };
      d.hub.emit('privacy.exported', { tenant: input.tenant, ...actorOf(actor), receipt: { tenant: input.tenant, subject, exported: entries.length, at: result.at } });
      return result;
    },
  };
}
