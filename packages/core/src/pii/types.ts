// Public types of the PII gate's detection engine: options, findings, verdicts and the scanner.

/** What the gate does with a request whose body contains PII. */
export type PiiAction = 'bypass' | 'block' | 'redact';

/** Names of the detectors that ship with the core. */
export type BuiltinDetector = 'credit_card' | 'ssn' | 'email' | 'phone' | 'iban' | 'secret';

/** A user-supplied detector: a pattern or a function, with a lowercase snake_case name. */
export interface CustomDetector {
  /** Lowercase snake_case, unique, not a built-in name; becomes the placeholder `[NAME_1]`. */
  name: string;
  /** Matched with the `g` flag added; patterns with nested quantifiers such as `(a+)+` are rejected. */
  pattern?: RegExp | string;
  /** Returns the spans (UTF-16 offsets, end exclusive) it considers PII. */
  test?: (text: string) => Array<{ start: number; end: number }>;
  /** Action for this detector's findings. Defaults to the top-level `action`. */
  action?: PiiAction;
}

/** Options of the PII gate (`pii` in the guard options). */
export interface PiiOptions {
  /** What to do when PII is found. Defaults to 'bypass'. */
  action?: PiiAction;
  /** Per built-in detector: false disables it; an object sets its own action. Defaults to all on. */
  detectors?: Partial<Record<BuiltinDetector, boolean | { action?: PiiAction }>>;
  /** Extra detectors (name must be lowercase snake_case and not clash). Defaults to none. */
  custom?: CustomDetector[];
  /** Default regions for national phone numbers (libphonenumber-js country codes). Defaults to ['US','GB','DE','FR','IN']. */
  phoneRegions?: string[];
  /** Total characters of strings and keys scanned per request (a number counts as one); beyond it the body is unscanned (see PiiVerdict). Defaults to 1_048_576. */
  maxScanChars?: number;
  /** Narrow what is scanned: gets the parsed body and the framework request, returns the value to scan. Defaults to the whole body. */
  extract?: (body: unknown, req: unknown) => unknown;
}

/** One finding: which detector and where (UTF-16 offsets into the scanned string, end exclusive). Never the text. */
export interface PiiFinding {
  detector: string;
  start: number;
  end: number;
}

/** Why a body could not be scanned: over `maxScanChars`, or too many phone-shaped numbers to validate. */
export type UnscannedReason = 'scan_size' | 'phone_budget';

/**
 * The outcome of inspecting one request body. What the gate does with it:
 * - `none`: clean, go on.
 * - `block` without `unscanned`: PII a blocking detector found: deny `pii_detected` (422).
 * - `block` with `unscanned`: the body could not be scanned and some detector blocks or redacts:
 *   deny `pii_unscannable` (422); the handler never sees it (a gate that only knows `pii_detected`
 *   still refuses it).
 * - `too_large` (always with `unscanned`): could not be scanned, every detector bypasses: pass
 *   direct with the bypass reason `too_large_to_scan` (never cached).
 * - `bypass`: pass direct with the reason `pii`.
 * - `redact`: hand `body` (the redacted copy) to the handler instead of the original.
 * For an answer (response inspection), anything but `none` means: do not store it.
 */
export interface PiiVerdict {
  /** Strongest action among findings: block > bypass > redact; 'too_large' when unscanned under bypass; 'none' when clean. */
  action: 'none' | 'bypass' | 'block' | 'redact' | 'too_large';
  /** Detector name → number of findings (empty when unscanned). */
  counts: Record<string, number>;
  /** Present when action === 'redact': a deep copy of the body with each finding replaced by `[EMAIL_1]`, `[CREDIT_CARD_2]`… */
  body?: unknown;
  /** Set when the scanner gave up on the body (see the list above): never ignore it. */
  unscanned?: UnscannedReason;
}

/** A compiled PII scanner: options validated once, detectors precompiled. */
export interface PiiScanner {
  /** Findings in one string, sorted by offset, never overlapping. */
  scanText(text: string): PiiFinding[];
  /** Walks every string, number and object key anywhere in a JSON value and returns the verdict. */
  inspect(body: unknown, req?: unknown): PiiVerdict;
}

/** Internal: one compiled detector. `text` is the folded text (same length and offsets as the original). */
export interface Detector {
  name: string;
  action: PiiAction;
  /** Appends findings for `folded` (see fold.ts); `original` is the untouched string; built-ins look only where `hints` point. */
  find(folded: string, original: string, out: PiiFinding[], hints: Hints): void;
}

/**
 * Where the built-in detectors should look. Clean prose fills none of it, so a clean string costs
 * this one charCodeAt loop and nothing else. Every field is a superset of what its detector can
 * match (see the differential test), so skipping everything else never loses a finding.
 */
export interface Hints {
  /**
   * (start, end, digits) triples: maximal runs of digits and joiners (space - . / _ ( ) +) holding
   * ≥ 7 digits, each starting at its first digit, '+' or '(', end exclusive: card, SSN, phone.
   */
  clusters: Int32Array;
  clusterCount: number;
  /** Positions of two ASCII letters followed by a digit, not preceded by a letter: IBAN starts. */
  ibans: Int32Array;
  ibanCount: number;
  /** Token starts (no ASCII letter or digit before) whose first two characters begin a secret prefix. */
  secrets: Int32Array;
  secretCount: number;
  /** First '@', or -1: email. */
  at: number;
  /** Per scanText/inspect call: libphonenumber calls left (see phone.ts) and whether the budget ran out. */
  phoneChecks: number;
  exhausted: boolean;
  /** Per call: phone validation results by candidate, so repeated numbers cost one validation. */
  phoneMemo: Map<string, number> | undefined;
  /** Where detectors push findings; reused from string to string. */
  out: PiiFinding[];
}
