// VectorIndex on PostgreSQL + pgvector: shared by every instance, equality pre-filter on the partition, HNSW cosine, every call bounded.
import { VectorIndexError, checkItem, checkQuery, type IndexedVector, type VectorIndex, type VectorMatch, type VectorQuery } from '@vectorcache/core';
import { bounded, type PgClientLike, type PgPoolLike } from './bounded.js';
import { validateOptions, type PgVectorIndexOptions, type PgVectorSettings } from './options.js';
import { migrate, type SchemaInfo } from './schema.js';

/** Rows a sweep deletes per statement, so each statement stays within the time bound. */
const SWEEP_BATCH = 5000;
/** Sweep statements per call at most; the next sweep carries on. */
const SWEEP_ROUNDS = 20;

/** pgvector's text form; a Float32 value printed as a double is exact. */
function literal(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

interface PoolEvents {
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'connect', listener: (client: PgClientLike) => void): void;
}
// A variable specifier: `pg` is a peer dependency, loaded only when the index makes its own pool.
const PG = 'pg';

export class PgVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly table: string;
  readonly #s: PgVectorSettings;
  #pool: PgPoolLike | undefined;
  readonly #ownPool: boolean;
  #info: SchemaInfo | undefined;
  #initializing: Promise<void> | undefined;

  constructor(options: PgVectorIndexOptions) {
    this.#s = validateOptions(options);
    this.dimensions = this.#s.dimensions;
    this.table = this.#s.table;
    this.#pool = this.#s.pool;
    this.#ownPool = this.#s.pool === undefined;
  }

  /** pgvector version and features, once `init()` ran. */
  get schema(): SchemaInfo | undefined {
    return this.#info;
  }

  /** Creates the extension, table and indexes when missing (idempotent; safe with instances starting together). */
  init(): Promise<void> {
    this.#initializing ??= this.#init().catch((error: unknown) => {
      this.#initializing = undefined;
      throw error;
    });
    return this.#initializing;
  }

  async #init(): Promise<void> {
    const pool = await this.#getPool();
    this.#info = await bounded(pool, this.#s.initTimeoutMs, 'schema migration', async (client) => {
      if (this.#ownPool) await client.query(`SET statement_timeout = ${this.#s.initTimeoutMs}`);
      const info = await migrate(client, this.#s);
      if (this.#ownPool) await this.#configure(client, info);
      return info;
    });
  }

  async #getPool(): Promise<PgPoolLike> {
    if (this.#pool) return this.#pool;
    let Pool: new (config: Record<string, unknown>) => PgPoolLike & PoolEvents;
    try {
      const pg = (await import(PG)) as { Pool?: typeof Pool; default?: { Pool: typeof Pool } };
      Pool = (pg.Pool ?? pg.default?.Pool)!;
    } catch (error) {
      throw new VectorIndexError('index_unavailable', 'PgVectorIndex needs the `pg` package (a peer dependency): npm install pg', { cause: error });
    }
    const pool = new Pool({
      connectionString: this.#s.connectionString,
      max: this.#s.poolSize,
      // Past the call's own bound, so a slow connect surfaces as that bound (index_timeout), not as pg's error.
      connectionTimeoutMillis: this.#s.timeoutMs * 2 + 100,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection's error (server restart) must not crash the process: the next call reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => {
      if (this.#info) void this.#configure(client, this.#info).catch(() => undefined);
    });
    this.#pool = pool;
    return pool;
  }

  /** Session settings of the index's own connections: the server stops work past the bound too, and filtered HNSW scans keep recall. */
  async #configure(client: PgClientLike, info: SchemaInfo): Promise<void> {
    await client.query(`SET statement_timeout = ${this.#s.timeoutMs}`);
    if (info.iterativeScan) await client.query('SET hnsw.iterative_scan = relaxed_order');
  }

  async #run<T>(what: string, work: (client: PgClientLike) => Promise<T>): Promise<T> {
    if (!this.#info) await this.init();
    return bounded(this.#pool!, this.#s.timeoutMs, what, work);
  }

  async upsert(item: IndexedVector): Promise<void> {
    checkItem(item, this.dimensions);
    await this.#run('upsert', (client) => client.query(
      `INSERT INTO ${this.table} (partition, key, tenant_tag, subject_tag, embedding, expires_at) VALUES ($1, $2, $3, $4, $5::vector, $6)
       ON CONFLICT (partition, key) DO UPDATE SET tenant_tag = EXCLUDED.tenant_tag, subject_tag = EXCLUDED.subject_tag,
         embedding = EXCLUDED.embedding, expires_at = EXCLUDED.expires_at`,
      [item.partition, item.key, item.tenantTag, item.subjectTag ?? null, literal(item.vector), Math.floor(item.expiresAt)],
    ));
  }

  async search(query: VectorQuery): Promise<VectorMatch[]> {
    checkQuery(query, this.dimensions);
    const { rows } = await this.#run('search', (client) => client.query(
      // The partition equality is in the WHERE: candidates of other partitions are never scored.
      `SELECT key, 1 - (embedding <=> $3::vector) AS similarity FROM ${this.table}
       WHERE partition = $1 AND expires_at > $2 ORDER BY embedding <=> $3::vector LIMIT $4`,
      [query.partition, Math.floor(query.now), literal(query.vector), query.k],
    ));
    return rows
      .map((row) => ({ key: String(row.key), similarity: Math.min(1, Number(row.similarity)) }))
      .filter((match) => match.similarity >= query.minSimilarity)
      // relaxed_order iterative scans may return near-ordered rows.
      .sort((a, b) => b.similarity - a.similarity);
  }

  async deleteKeys(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { rowCount } = await this.#run('deleteKeys', (client) => client.query(`DELETE FROM ${this.table} WHERE key = ANY($1::text[])`, [[...keys]]));
    return rowCount ?? 0;
  }

  async deleteOwner(owner: { tenantTag: string; subjectTag?: string }): Promise<number> {
    const { rowCount } = await this.#run('deleteOwner', (client) => owner.subjectTag === undefined
      ? client.query(`DELETE FROM ${this.table} WHERE tenant_tag = $1`, [owner.tenantTag])
      : client.query(`DELETE FROM ${this.table} WHERE tenant_tag = $1 AND subject_tag = $2`, [owner.tenantTag, owner.subjectTag]));
    return rowCount ?? 0;
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const { rowCount } = await this.#run('sweep', (client) => client.query(
        `DELETE FROM ${this.table} WHERE (partition, key) IN (SELECT partition, key FROM ${this.table} WHERE expires_at <= $1 LIMIT ${SWEEP_BATCH})`,
        [Math.floor(now)],
      ));
      removed += rowCount ?? 0;
      if ((rowCount ?? 0) < SWEEP_BATCH) break;
    }
    return removed;
  }

  /** Ends the pool the index made; a pool you passed stays yours. */
  async shutdown(): Promise<void> {
    const pool = this.#pool;
    if (this.#ownPool && pool) {
      this.#pool = undefined;
      this.#info = undefined;
      this.#initializing = undefined;
      await pool.end?.();
    }
  }
}
