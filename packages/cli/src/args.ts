// Command-line parsing for every command group: node:util parseArgs, with errors that name the flag and suggest the right one.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '@vectorcache/core';
import { UsageError } from './context.js';

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

/** The flags a group accepts, as typed: `--name` and `-h`. */
function flagsOf(options: Options): string[] {
  return Object.entries(options).flatMap(([name, option]) => [`--${name}`, ...(option.short ? [`-${option.short}`] : [])]);
}

/**
 * The usage error for a parseArgs failure. Only a flag's name is ever repeated, never a value
 * (values may be secrets or subject ids); an unknown flag gets the closest known one.
 */
export function argsError(error: unknown, options: Options, context: string, group: string): UsageError {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-{1,2}[A-Za-z0-9-]+)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const hit = closest(flag, flagsOf(options));
    return new UsageError(`${context}: unknown option \`${flag}\`${hit ? `; did you mean \`${hit}\`?` : ''}`, group);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const boolean = options[flag.replace(/^-+/, '')]?.type === 'boolean';
    return new UsageError(`${context}: option \`${flag}\` ${boolean ? 'takes no value' : 'needs a value'}`, group);
  }
  return new UsageError(`${context}: ${flag ? `malformed option \`${flag}\`` : 'invalid arguments'}`, group);
}

/** parseArgs in strict mode with positionals allowed; a bad command line throws a UsageError for `group`. */
export function parseCommandLine(args: string[], options: Options, context: string, group: string): { values: ParsedValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as ParsedValues, positionals };
  } catch (error) {
    throw argsError(error, options, context, group);
  }
}
