// Schema of the pgvector index: versioned migrations applied on start under an advisory lock, so instances may start together.
import { VectorIndexError } from '@vectorcache/core';
import type { PgClientLike } from './bounded.js';

export interface SchemaSettings {
  table: string;
  dimensions: number;
  m: number;
  efConstruction: number;
}

export interface SchemaInfo {
  /** pgvector's version as installed, e.g. `0.8.0`. */
  vectorVersion: string;
  /** Whether pgvector has iterative index scans (≥ 0.8), which keep recall under the partition filter. */
  iterativeScan: boolean;
}

/** Ordered, idempotent steps; `version` only ever grows. The table's vector length is fixed by the first one. */
function migrations(s: SchemaSettings): { version: number; statements: string[] }[] {
  const t = s.table;
  return [
    {
      version: 1,
      statements: [
        `CREATE TABLE IF NOT EXISTS ${t} (
          partition text NOT NULL,
          key text NOT NULL,
          tenant_tag text NOT NULL,
          subject_tag text,
          embedding vector(${s.dimensions}) NOT NULL,
          expires_at bigint NOT NULL,
          PRIMARY KEY (partition, key))`,
        // The primary key's B-tree leads with partition: it is the equality pre-filter's index.
        `CREATE INDEX IF NOT EXISTS ${t}_key ON ${t} (key)`,
        `CREATE INDEX IF NOT EXISTS ${t}_owner ON ${t} (tenant_tag, subject_tag)`,
        `CREATE INDEX IF NOT EXISTS ${t}_expires ON ${t} (expires_at)`,
        `CREATE INDEX IF NOT EXISTS ${t}_hnsw ON ${t} USING hnsw (embedding vector_cosine_ops) WITH (m = ${s.m}, ef_construction = ${s.efConstruction})`,
      ],
    },
  ];
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

async function ensureExtension(client: PgClientLike): Promise<string> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (error) {
    throw new VectorIndexError('index_unavailable', `pgvector is not installed in this database and could not be created (needs pgvector >= 0.5, CREATE EXTENSION vector): ${(error as Error).message}`, { cause: error });
  }
  const { rows } = await client.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  const version = String(rows[0]?.extversion ?? '0');
  if (!versionAtLeast(version, 0, 5)) throw new VectorIndexError('index_unavailable', `pgvector ${version} has no HNSW index: upgrade to pgvector >= 0.5 (ALTER EXTENSION vector UPDATE)`);
  return version;
}

/** Creates or upgrades the schema; one instance at a time (session advisory lock on the table's name). */
export async function migrate(client: PgClientLike, s: SchemaSettings): Promise<SchemaInfo> {
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`vectorcache:${s.table}`]);
  try {
    const vectorVersion = await ensureExtension(client);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s.table}_schema (
      component text PRIMARY KEY, version integer NOT NULL, dimensions integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query(`SELECT version, dimensions FROM ${s.table}_schema WHERE component = 'vectors'`);
    const current = rows[0] ? Number(rows[0].version) : 0;
    if (rows[0] && Number(rows[0].dimensions) !== s.dimensions) {
      throw new VectorIndexError('dimension_mismatch', `table ${s.table} holds vectors of ${String(rows[0].dimensions)} dimensions, this index was configured for ${s.dimensions}: use another \`table\` per embedder`);
    }
    for (const step of migrations(s)) {
      if (step.version <= current) continue;
      for (const statement of step.statements) await client.query(statement);
      await client.query(
        `INSERT INTO ${s.table}_schema (component, version, dimensions) VALUES ('vectors', $1, $2)
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, applied_at = now()`,
        [step.version, s.dimensions],
      );
    }
    return { vectorVersion, iterativeScan: versionAtLeast(vectorVersion, 0, 8) };
  } finally {
    // A lost connection releases the lock anyway; the first error is the one worth reporting.
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`vectorcache:${s.table}`]).catch(() => undefined);
  }
}
