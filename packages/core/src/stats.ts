// Per-tenant request statistics behind the stats endpoint: hits, misses, bypasses, denials, savings.

export interface TenantStats {
  tenant: string;
  requests: number;
  hits: number;
  misses: number;
  bypasses: Record<string, number>;
  denials: Record<string, number>;
  hitRate: number;
  savedMs: number;
  savedTokens: number;
  /** Hits answered by a semantic match (included in `hits`). */
  semanticHits: number;
  /** Why semantic lookups found nothing or were skipped (ineligible request, embedder or index failure, no neighbour). */
  semanticSkipped: Record<string, number>;
}

interface Counts {
  requests: number;
  hits: number;
  misses: number;
  bypasses: Map<string, number>;
  denials: Map<string, number>;
  savedMs: number;
  savedTokens: number;
  semanticHits: number;
  semanticSkipped: Map<string, number>;
}

/** Denials before a key is known (no tenant) are booked here. */
export const ANONYMOUS_TENANT = '_anonymous';

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** In-process counters; one StatsBook per guard. */
export class StatsBook {
  readonly #tenants = new Map<string, Counts>();

  #of(tenant: string): Counts {
    let counts = this.#tenants.get(tenant);
    if (!counts) {
      counts = { requests: 0, hits: 0, misses: 0, bypasses: new Map(), denials: new Map(), savedMs: 0, savedTokens: 0, semanticHits: 0, semanticSkipped: new Map() };
      this.#tenants.set(tenant, counts);
    }
    return counts;
  }

  request(tenant: string): void { this.#of(tenant).requests++; }
  miss(tenant: string): void { this.#of(tenant).misses++; }
  bypass(tenant: string, reason: string): void { bump(this.#of(tenant).bypasses, reason); }
  deny(tenant: string | undefined, code: string): void { bump(this.#of(tenant ?? ANONYMOUS_TENANT).denials, code); }
  semanticHit(tenant: string): void { this.#of(tenant).semanticHits++; }
  semanticSkip(tenant: string, reason: string): void { bump(this.#of(tenant).semanticSkipped, reason); }

  hit(tenant: string, savedMs: number, savedTokens: number): void {
    const counts = this.#of(tenant);
    counts.hits++;
    counts.savedMs += savedMs;
    counts.savedTokens += savedTokens;
  }

  get(tenant: string): TenantStats {
    const c = this.#of(tenant);
    const looked = c.hits + c.misses;
    return {
      tenant,
      requests: c.requests,
      hits: c.hits,
      misses: c.misses,
      bypasses: Object.fromEntries(c.bypasses),
      denials: Object.fromEntries(c.denials),
      hitRate: looked === 0 ? 0 : c.hits / looked,
      savedMs: Math.round(c.savedMs),
      savedTokens: c.savedTokens,
      semanticHits: c.semanticHits,
      semanticSkipped: Object.fromEntries(c.semanticSkipped),
    };
  }
}
