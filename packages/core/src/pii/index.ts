// Public surface of the PII detection engine, re-exported by the core's index.
export { compilePii, scanPii } from './scanner.js';
export { luhnValid, hasIssuerPrefix } from './credit-card.js';
export { ssnValid } from './ssn.js';
export type {
  BuiltinDetector,
  CustomDetector,
  PiiAction,
  PiiFinding,
  PiiOptions,
  PiiScanner,
  PiiVerdict,
  UnscannedReason,
} from './types.js';
