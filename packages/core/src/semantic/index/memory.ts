// The in-process VectorIndex (embedded default): bounded, hard partitions, exact search when small and HNSW when large.
import { optionError } from '../../errors.js';
import { positiveInteger, rejectUnknown } from '../../stores/validate.js';
import type { IndexedVector, VectorIndex, VectorMatch, VectorQuery } from '../types.js';
import { loadUsearch, usearchFactory, type AnnFactory, type AnnSettings } from './ann.js';
import { checkItem, checkQuery } from './errors.js';
import { Partition, type SlotInfo } from './partition.js';
import { simdAvailable } from './simd.js';

export interface MemoryVectorIndexOptions {
  /** Length of every vector (the embedder's `dimensions`). Required. */
  dimensions: number;
  /**
   * Upper bound on the vectors held. Past it, expired vectors go first, then the oldest vector of
   * the tenant holding the most, so one tenant's traffic never evicts a smaller tenant's vectors.
   * An evicted vector is only a lost semantic hit (the cache fails open). Defaults to 100_000.
   */
  maxVectors?: number;
  /**
   * Partitions with more vectors than this use HNSW (when usearch is installed). Defaults to
   * 38,000 / √dimensions within 256..2,048 (2,048 at 100-d, 2,013 at 356-d, 969 at 1,536-d) where
   * WebAssembly SIMD scores the exact scan, else 256: the measured crossovers with HNSW.
   */
  exactLimit?: number;
  /**
   * `auto`: HNSW via the optional peer `usearch` when it loads, else exact search everywhere.
   * `off`: always exact. Defaults to `auto`.
   */
  hnsw?: 'auto' | 'off';
  /** HNSW graph degree (M). Defaults to 16. */
  connectivity?: number;
  /** HNSW candidate list while inserting (efConstruction). Defaults to 64. */
  expansionAdd?: number;
  /** HNSW candidate list while searching (ef). Defaults to 32. */
  expansionSearch?: number;
  /**
   * Scalar type of the HNSW graph's copy of the vectors: `i8` is the smallest and fastest; every
   * candidate is re-scored exactly from the float32 buffer, so thresholds see the exact cosine.
   * Defaults to `i8`.
   */
  quantization?: 'f32' | 'f16' | 'i8';
}

export interface MemoryVectorIndexStats {
  vectors: number;
  partitions: number;
  /** Partitions searched through HNSW. */
  approximatePartitions: number;
  /** Whether HNSW is available (usearch loaded by `init()`). */
  hnsw: boolean;
  evicted: number;
}

interface Ref {
  partition: Partition;
  key: string;
  seq: number;
}

/** A tenant's vectors, oldest first (lazily pruned: a ref whose seq no longer matches is stale). */
interface TenantQueue {
  live: number;
  refs: Ref[];
  head: number;
}

/**
 * Vectors × √dimensions up to which the SIMD exact scan beats HNSW search (the scan's cost grows
 * with d, HNSW's about with √d): measured crossovers with the int16 scan near 2,700 vectors at 100-
 * and 256-d, 2,200 at 356-d, 1,300 at 768-d and 900 at 1,536-d.
 */
const SIMD_EXACT_ROOT_ELEMENTS = 38_000;
/** At few dimensions the per-vector JS work of the scan dominates: no more vectors than this stay exact. */
const SIMD_EXACT_MAX = 2048;
/** Without SIMD: the plain-JS exact scan's crossover at 100-d. */
const JS_EXACT_LIMIT = 256;

function defaultExactLimit(dimensions: number): number {
  return simdAvailable() ? Math.max(JS_EXACT_LIMIT, Math.min(SIMD_EXACT_MAX, Math.floor(SIMD_EXACT_ROOT_ELEMENTS / Math.sqrt(dimensions)))) : JS_EXACT_LIMIT;
}

const KNOWN = ['dimensions', 'maxVectors', 'exactLimit', 'hnsw', 'connectivity', 'expansionAdd', 'expansionSearch', 'quantization'];

function quantizationOf(value: unknown): AnnSettings['quantization'] {
  if (value === undefined) return 'i8';
  if (value === 'f32' || value === 'f16' || value === 'i8') return value;
  throw optionError('quantization', `must be 'i8', 'f16' or 'f32' (got ${JSON.stringify(value)})`);
}

export class MemoryVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly #max: number;
  readonly #exactLimit: number;
  readonly #hnsw: 'auto' | 'off';
  readonly #settings: AnnSettings;
  #factory: AnnFactory | undefined;
  readonly #partitions = new Map<string, Partition>();
  readonly #partitionsOfKey = new Map<string, Set<Partition>>();
  readonly #tenants = new Map<string, TenantQueue>();
  #count = 0;
  #seq = 0;
  #evicted = 0;
  /** Lower bound of every live expiry: no sweep is worth running before it. */
  #earliestExpiry = Infinity;

  constructor(options: MemoryVectorIndexOptions) {
    if (options === null || typeof options !== 'object') throw optionError('MemoryVectorIndex', 'needs an options object with `dimensions`');
    rejectUnknown('MemoryVectorIndex', options, KNOWN);
    const dimensions = positiveInteger('dimensions', options.dimensions, undefined);
    if (dimensions === undefined) throw optionError('dimensions', 'is required: the length of the embedder\'s vectors (e.g. 100)');
    this.dimensions = dimensions;
    this.#max = positiveInteger('maxVectors', options.maxVectors, 100_000)!;
    this.#exactLimit = positiveInteger('exactLimit', options.exactLimit, defaultExactLimit(dimensions))!;
    const hnsw = options.hnsw ?? 'auto';
    if (hnsw !== 'auto' && hnsw !== 'off') throw optionError('hnsw', `must be 'auto' or 'off' (got ${JSON.stringify(hnsw)})`);
    this.#hnsw = hnsw;
    this.#settings = {
      connectivity: positiveInteger('connectivity', options.connectivity, 16)!,
      expansionAdd: positiveInteger('expansionAdd', options.expansionAdd, 64)!,
      expansionSearch: positiveInteger('expansionSearch', options.expansionSearch, 32)!,
      quantization: quantizationOf(options.quantization),
    };
  }

  /** Loads HNSW support (usearch) when `hnsw` is `auto`; without `init()` every partition stays exact. */
  async init(): Promise<void> {
    if (this.#hnsw === 'off' || this.#factory) return;
    const Index = await loadUsearch();
    if (Index) this.#factory = usearchFactory(Index, this.#settings);
  }

  stats(): MemoryVectorIndexStats {
    let approximate = 0;
    for (const p of this.#partitions.values()) if (p.approximate) approximate++;
    return { vectors: this.#count, partitions: this.#partitions.size, approximatePartitions: approximate, hnsw: this.#factory !== undefined, evicted: this.#evicted };
  }

  upsert(item: IndexedVector): void {
    checkItem(item, this.dimensions);
    let partition = this.#partitions.get(item.partition);
    if (partition?.slotOf(item.key) === undefined) this.#makeRoom(item);
    if (!partition) {
      partition = new Partition(item.partition, this.dimensions);
      this.#partitions.set(item.partition, partition);
    }
    const info: SlotInfo = { key: item.key, tenantTag: item.tenantTag, subjectTag: item.subjectTag, expiresAt: item.expiresAt, seq: ++this.#seq };
    const old = partition.put(info, item.vector);
    if (old) this.#forget(old);
    this.#count++;
    this.#earliestExpiry = Math.min(this.#earliestExpiry, item.expiresAt);
    let parts = this.#partitionsOfKey.get(item.key);
    if (!parts) this.#partitionsOfKey.set(item.key, (parts = new Set()));
    parts.add(partition);
    this.#queue(item.tenantTag).refs.push({ partition, key: item.key, seq: info.seq });
    this.#queue(item.tenantTag).live++;
    if (this.#factory && partition.size > this.#exactLimit && (!partition.approximate || partition.needsRebuild)) partition.index(this.#factory);
  }

  search(query: VectorQuery): VectorMatch[] {
    checkQuery(query, this.dimensions);
    const partition = this.#partitions.get(query.partition);
    if (!partition) return [];
    return partition.search(query.vector, query.k, query.minSimilarity, query.now);
  }

  deleteKeys(keys: readonly string[]): number {
    let removed = 0;
    for (const key of keys) {
      const parts = this.#partitionsOfKey.get(key);
      if (!parts) continue;
      for (const partition of [...parts]) if (this.#removeSlot(partition, key)) removed++;
    }
    return removed;
  }

  deleteOwner(owner: { tenantTag: string; subjectTag?: string }): number {
    const queue = this.#tenants.get(owner.tenantTag);
    if (!queue) return 0;
    let removed = 0;
    // A snapshot: removals may compact the queue underneath.
    for (const ref of queue.refs.slice(queue.head)) {
      const info = ref.partition.slotOf(ref.key);
      if (!info || info.seq !== ref.seq) continue;
      if (owner.subjectTag !== undefined && info.subjectTag !== owner.subjectTag) continue;
      if (this.#removeSlot(ref.partition, ref.key)) removed++;
    }
    return removed;
  }

  sweep(now: number): number {
    if (now < this.#earliestExpiry) return 0;
    let removed = 0;
    let earliest = Infinity;
    for (const partition of [...this.#partitions.values()]) {
      const expired: string[] = [];
      for (const info of partition.slots()) {
        if (info.expiresAt <= now) expired.push(info.key);
        else earliest = Math.min(earliest, info.expiresAt);
      }
      for (const key of expired) if (this.#removeSlot(partition, key)) removed++;
    }
    this.#earliestExpiry = earliest;
    return removed;
  }

  shutdown(): void {
    this.#partitions.clear();
    this.#partitionsOfKey.clear();
    this.#tenants.clear();
    this.#count = 0;
  }

  #queue(tenantTag: string): TenantQueue {
    let queue = this.#tenants.get(tenantTag);
    if (!queue) this.#tenants.set(tenantTag, (queue = { live: 0, refs: [], head: 0 }));
    return queue;
  }

  /** Frees one place for a new vector: expired ones first, else the largest tenant's oldest. */
  #makeRoom(item: IndexedVector): void {
    if (this.#count < this.#max) return;
    if (this.sweep(Date.now()) > 0) return;
    let largest: TenantQueue | undefined;
    for (const queue of this.#tenants.values()) if (!largest || queue.live > largest.live) largest = queue;
    // The newcomer's tenant counts with its new vector, so a tenant at parity evicts its own.
    const own = this.#tenants.get(item.tenantTag);
    if (own && largest && own.live + 1 >= largest.live) largest = own;
    while (largest && largest.head < largest.refs.length) {
      const ref = largest.refs[largest.head++]!;
      const info = ref.partition.slotOf(ref.key);
      if (info && info.seq === ref.seq && this.#removeSlot(ref.partition, ref.key)) {
        this.#evicted++;
        return;
      }
    }
  }

  #removeSlot(partition: Partition, key: string): boolean {
    const info = partition.remove(key);
    if (!info) return false;
    this.#forget(info);
    const parts = this.#partitionsOfKey.get(key);
    parts?.delete(partition);
    if (parts?.size === 0) this.#partitionsOfKey.delete(key);
    if (partition.size === 0) this.#partitions.delete(partition.name);
    return true;
  }

  /** Bookkeeping for a slot that left: the tenant's live count, and compaction of its queue. */
  #forget(info: SlotInfo): void {
    this.#count--;
    const queue = this.#tenants.get(info.tenantTag);
    if (!queue) return;
    queue.live--;
    if (queue.live === 0) {
      this.#tenants.delete(info.tenantTag);
      return;
    }
    // Stale refs (replaced or deleted vectors) are dropped once they outnumber the live ones.
    if (queue.refs.length - queue.head > 2 * queue.live + 64) {
      queue.refs = queue.refs.slice(queue.head).filter((ref) => ref.partition.slotOf(ref.key)?.seq === ref.seq);
      queue.head = 0;
    }
  }
}
