// The coded error every embedder rejects or throws with; messages never carry prompt text or credentials.

export type EmbedderErrorCode =
  | 'embedder_timeout'
  | 'embedder_unavailable'
  | 'embedder_http_error'
  | 'embedder_bad_response'
  | 'embedder_bad_output'
  | 'embedder_aborted'
  | 'offline_table_missing'
  | 'offline_table_corrupt';

/** Why an embedding failed; the guard counts `code` as the reason it skipped the semantic lookup. */
export class EmbedderError extends Error {
  readonly code: EmbedderErrorCode;
  /** HTTP status of a remote embedder's answer, when there was one. */
  readonly status: number | undefined;
  constructor(code: EmbedderErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(`vectorcache: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmbedderError';
    this.code = code;
    this.status = options?.status;
  }
}
