// What every CLI command receives (output streams, environment, cwd, clock) and the errors that set exit codes.

/** Where a command writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Directory relative paths are resolved against. Defaults to process.cwd(). */
  cwd?: string;
  /** Clock for timestamps. Defaults to the current time. */
  now?: () => Date;
  /** Where secrets and ids piped in are read from (`--stdin`, `--subject -`). Defaults to process.stdin. */
  stdin?: AsyncIterable<string | Uint8Array>;
}

/**
 * Reads one value piped in on stdin, at most `maxBytes`, without its single trailing newline (what
 * `echo` or a file adds); anything else is part of the value. Past the limit: a usage error.
 */
export async function readStdinValue(io: CliIo, maxBytes: number, tooLong: string, group: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin ?? process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += buffer.length;
    if (size > maxBytes) throw new UsageError(tooLong, group);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The command line was wrong (unknown command or flag, bad value): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  /** The command group whose help the user should read, e.g. `keys`. */
  readonly group: string | undefined;
  constructor(message: string, group?: string) {
    super(message);
    this.name = 'UsageError';
    this.group = group;
  }
}

/** The command was well formed but could not be carried out (unknown key id, store down): exit code 1. */
export class CommandError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
  }
}

/** A command group (`keys`, later `crypto`, `privacy`, `doctor`): parses its own arguments. */
export interface CommandGroup {
  /** One line for the top-level help. */
  summary: string;
  /** Full help text of the group. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** The process's own streams, environment and directory. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
