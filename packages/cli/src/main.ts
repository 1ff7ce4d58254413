// Entry point of the `vectorcache` command: dispatches to command groups and maps errors to exit codes.
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { closest } from '@vectorcache/core';
import { CommandError, processIo, UsageError, type CliIo, type CommandGroup } from './context.js';
import { flagMessage, keysCommand } from './keys.js';
import { cryptoCommand } from './crypto.js';
import { privacyCommand } from './privacy.js';
import { doctorCommand } from './doctor.js';

/** Command groups by name; `crypto`, `privacy` and `doctor` are added here, one file each. */
export const COMMAND_GROUPS: Record<string, CommandGroup> = {
  keys: keysCommand,
  crypto: cryptoCommand,
  privacy: privacyCommand,
  doctor: doctorCommand,
};

/** The package's version: package.json sits one folder up from both src/ and dist/. */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function topUsage(): string {
  const width = Math.max(...Object.keys(COMMAND_GROUPS).map((name) => name.length));
  const lines = Object.entries(COMMAND_GROUPS).map(([name, group]) => `  ${name.padEnd(width)}  ${group.summary}`);
  return `Usage: vectorcache <command> [options]\n       vectorcache --version\n\nCommands:\n${lines.join('\n')}\n\nRun "vectorcache <command> --help" for details.\n`;
}

// One line, without our own prefix (added once when printed) and never a stack trace.
function oneLine(message: string): string {
  return message.replace(/^vectorcache:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
}

function isOptionError(error: unknown): error is Error & { option: string } {
  return error instanceof TypeError && typeof (error as { option?: unknown }).option === 'string';
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to the exit code:
 * 0 success, 1 the command failed, 2 the command line was wrong. Never exits the process.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(topUsage());
      return 2;
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      io.stdout.write(`${cliVersion()}\n`);
      return 0;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(topUsage());
      return 0;
    }
    const group = Object.hasOwn(COMMAND_GROUPS, command) ? COMMAND_GROUPS[command] : undefined;
    if (!group) {
      const hit = closest(command, Object.keys(COMMAND_GROUPS));
      const hint = hit ? `did you mean \`${hit}\`?` : `expected one of: ${Object.keys(COMMAND_GROUPS).join(', ')}`;
      throw new UsageError(`unknown command "${command.slice(0, 40)}"; ${hint}`);
    }
    return await group.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.group ? `vectorcache ${error.group} --help` : 'vectorcache --help';
      io.stderr.write(`vectorcache: ${oneLine(error.message)} (see \`${help}\`)\n`);
      return 2;
    }
    if (isOptionError(error)) {
      io.stderr.write(`vectorcache: ${oneLine(flagMessage(error.message))}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`vectorcache: ${oneLine(message) || 'unexpected error'}\n`);
    return error instanceof CommandError ? error.exitCode : 1;
  }
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(script).href || import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
