// Optional approximate search (HNSW) for large partitions, on usearch: an optional peer, loaded once; without it partitions stay exact.
import { createRequire } from 'node:module';

/** What a partition needs from an approximate index; ids are the partition's own vector ids. */
export interface Ann {
  add(ids: readonly number[], vectors: Float32Array): void;
  remove(id: number): void;
  /** Up to `count` nearest ids, best first (by the graph's possibly quantised distances). */
  search(query: Float32Array, count: number): { ids: number[] };
}

export interface AnnSettings {
  /** HNSW graph degree (M). */
  connectivity: number;
  /** Candidate list size while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list size while searching (ef): recall against latency. */
  expansionSearch: number;
  /** Scalar type of the graph's own copy of the vectors; the partition re-scores candidates exactly. */
  quantization: 'f32' | 'f16' | 'i8';
}

export type AnnFactory = (dimensions: number) => Ann;

interface UsearchMatches {
  keys: BigUint64Array;
}
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  remove(keys: bigint): number | number[];
  search(vector: Float32Array, k: number, threads: number): UsearchMatches;
}
type UsearchIndexClass = new (config: Record<string, unknown>) => UsearchIndex;

// A variable specifier keeps bundlers and the type checker from requiring the optional peer.
const USEARCH = 'usearch';

let loaded: { Index: UsearchIndexClass | undefined } | undefined;

/**
 * Loads usearch once per process; undefined when it is not installed or its binary does not load
 * here. Through require, from both builds: a dynamic import() of usearch from CommonJS overflows the
 * stack in its ESM entry (seen with usearch 2.26.2 on Node 20).
 */
export function loadUsearch(): Promise<UsearchIndexClass | undefined> {
  if (!loaded) {
    try {
      const mod = createRequire(import.meta.url)(USEARCH) as { Index?: UsearchIndexClass };
      loaded = { Index: mod.Index };
    } catch {
      loaded = { Index: undefined };
    }
  }
  return Promise.resolve(loaded.Index);
}

/** An AnnFactory over usearch, inner-product metric (vectors are unit). */
export function usearchFactory(Index: UsearchIndexClass, settings: AnnSettings): AnnFactory {
  return (dimensions) => {
    const index = new Index({
      dimensions,
      metric: 'ip',
      quantization: settings.quantization,
      connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd,
      expansion_search: settings.expansionSearch,
      multi: false,
    });
    return {
      add(ids, vectors) {
        const keys = new BigUint64Array(ids.length);
        for (let i = 0; i < ids.length; i++) keys[i] = BigInt(ids[i]!);
        // One thread: a request path must not fan out over the machine's cores.
        index.add(keys, vectors, 1);
      },
      remove(id) {
        index.remove(BigInt(id));
      },
      search(query, count) {
        const found = index.search(query, count, 1);
        const ids: number[] = [];
        // usearch pads missing results with the all-ones u64 key.
        for (const key of found.keys) if (key !== 0xffffffffffffffffn) ids.push(Number(key));
        return { ids };
      },
    };
  };
}
