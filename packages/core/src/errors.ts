// Errors the core throws: option misuse at construction, and store failures at run time.

/** Thrown at construction when an option is wrong; the message names the option and the fix. */
export class VectorcacheOptionError extends TypeError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`vectorcache: option \`${option}\` ${message}`);
    this.name = 'VectorcacheOptionError';
    this.option = option;
  }
}

/** Shorthand used by every option validator. */
export function optionError(option: string, message: string): VectorcacheOptionError {
  return new VectorcacheOptionError(option, message);
}

/** A store could not answer (down, timed out, corrupt); the gate decides fail-open or fail-closed. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A store found an entry it cannot read (bad JSON, wrong shape): tampering or corruption, not an outage. */
export class CorruptEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptEntryError';
  }
}
