// Public entry point of @vectorcache/cli: run the command in-process and reuse its pieces.
export { run, COMMAND_GROUPS } from './main.js';
export { CommandError, UsageError, processIo, type CliIo, type CommandGroup } from './context.js';
export { keysCommand, KEYS_USAGE, publicRecord } from './keys.js';
export { openKeyStore, DEFAULT_KEY_STORE, type OpenedKeyStore } from './store-url.js';
export { privacyCommand, PRIVACY_USAGE, type PrivacyIo } from './privacy.js';
