// Option checks shared by the memory stores: positive integers and unknown-option detection.
import { optionError } from '../errors.js';

/** Returns `fallback` for undefined, the value when it is a positive safe integer, else throws. */
export function positiveInteger(option: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw optionError(option, `must be a positive integer (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Throws on an option name the store does not know, suggesting the closest known one. */
export function rejectUnknown(scope: string, options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = known.find((k) => k.toLowerCase() === name.toLowerCase());
    throw optionError(`${scope}.${name}`, near ? `is not an option. Did you mean \`${near}\`?` : `is not an option (known: ${known.join(', ')})`);
  }
}
