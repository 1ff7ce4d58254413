// Every database call under one deadline: a stalled server rejects in time (the guard then skips semantic), its connection is discarded.
import { VectorIndexError } from '@vectorcache/core';

/** The part of a `pg` client the index uses. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  /** `release(true)` (or an error) destroys the connection instead of returning it to the pool. */
  release(destroy?: boolean | Error): void;
}

/** The part of a `pg.Pool` the index uses: pass your own pool, or let the index make one from a URL. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  end?(): Promise<void>;
}

/**
 * Runs `work` on one pooled connection, rejecting with `index_timeout` after `timeoutMs` (waiting for
 * a connection included). A connection busy when the time runs out is destroyed: its query may still
 * be running on the server, and it must not serve the next caller.
 */
export async function bounded<T>(pool: PgPoolLike, timeoutMs: number, what: string, work: (client: PgClientLike) => Promise<T>): Promise<T> {
  let client: PgClientLike | undefined;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const run = (async () => {
    const acquired = await pool.connect();
    if (settled) {
      // Timed out while waiting for it: the connection itself is fine, hand it back unused.
      acquired.release();
      return undefined as T;
    }
    client = acquired;
    try {
      const result = await work(acquired);
      if (!settled) acquired.release();
      return result;
    } catch (error) {
      // A failed call may have left the session in any state: never reuse that connection.
      if (!settled) acquired.release(true);
      throw error;
    } finally {
      settled = true;
    }
  })();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      client?.release(true);
      reject(new VectorIndexError('index_timeout', `pgvector ${what} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
  });
  // Once the deadline won, the work's own failure (a destroyed connection) is expected: keep it quiet.
  run.catch(() => undefined);
  try {
    return await Promise.race([run, deadline]).catch((error: unknown) => {
      if (error instanceof VectorIndexError) throw error;
      // 57014: the server cancelled the statement at statement_timeout, the same bound seen from the other side.
      if ((error as { code?: unknown } | null)?.code === '57014') throw new VectorIndexError('index_timeout', `pgvector ${what} hit statement_timeout`, { cause: error });
      throw new VectorIndexError('index_unavailable', `pgvector ${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  } finally {
    clearTimeout(timer);
  }
}
