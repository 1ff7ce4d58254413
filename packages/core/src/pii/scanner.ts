// The PII scanner: compiles options into detectors, scans strings, inspects whole bodies, redacts.
import { createCreditCardDetector } from './credit-card.js';
import { compileCustom } from './custom.js';
import { createEmailDetector } from './email.js';
import { foldWithMap } from './fold.js';
import { createHints, endCall, exhaustiveHints, prescan, startCall, type Hints } from './hints.js';
import { createIbanDetector } from './iban.js';
import { normalizePiiOptions, type PiiConfig } from './options.js';
import { createPhoneDetector } from './phone.js';
import { createSecretDetector, PEM_BEGIN } from './secret.js';
import { createSsnDetector } from './ssn.js';
import { scanJoinedParts, type Hit } from './parts.js';
import { redact } from './redact.js';
import { Walk } from './walk.js';
import type { BuiltinDetector, Detector, PiiAction, PiiFinding, PiiOptions, PiiScanner, PiiVerdict, UnscannedReason } from './types.js';

/** When two findings overlap, the stronger action wins, then this order (most sensitive first). */
const BUILTIN_ORDER: readonly BuiltinDetector[] = ['secret', 'credit_card', 'iban', 'ssn', 'email', 'phone'];
const ACTION_RANK: Record<PiiAction, number> = { block: 0, bypass: 1, redact: 2 };

function buildDetectors(config: PiiConfig): Detector[] {
  const detectors: Detector[] = [];
  for (const name of BUILTIN_ORDER) {
    const builtin = config.builtins.find((b) => b.name === name);
    if (!builtin) continue;
    const { action } = builtin;
    if (name === 'secret') detectors.push(createSecretDetector(action));
    else if (name === 'credit_card') detectors.push(createCreditCardDetector(action));
    else if (name === 'iban') detectors.push(createIbanDetector(action));
    else if (name === 'ssn') detectors.push(createSsnDetector(action));
    else if (name === 'email') detectors.push(createEmailDetector(action));
    else detectors.push(createPhoneDetector(action, config.phoneRegions));
  }
  for (const { detector, action, option } of config.custom) detectors.push(compileCustom(detector, action, option));
  return detectors;
}

/** The findings gathered in the reused buffer, copied out (undefined when there are none). */
function takeFindings(out: PiiFinding[], rank: Map<string, number>): PiiFinding[] | undefined {
  if (out.length === 0) return undefined;
  const findings = resolveOverlaps(out.slice(), rank);
  out.length = 0;
  return findings;
}

/** Overlapping findings are merged into one span carrying the winning detector, so redaction covers both. */
function resolveOverlaps(findings: PiiFinding[], rank: Map<string, number>): PiiFinding[] {
  if (findings.length < 2) return findings;
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const result: PiiFinding[] = [];
  for (const f of findings) {
    const last = result[result.length - 1];
    if (last && f.start < last.end) {
      const winner = (rank.get(f.detector) ?? 99) < (rank.get(last.detector) ?? 99) ? f.detector : last.detector;
      result[result.length - 1] = { detector: winner, start: last.start, end: Math.max(last.end, f.end) };
    } else {
      result.push(f);
    }
  }
  return result;
}

function rankOf(detectors: Detector[]): Map<string, number> {
  return new Map<string, number>(detectors.map((d, i) => [d.name, ACTION_RANK[d.action] * 1000 + i]));
}

/**
 * Runs the built-ins (the first `count` detectors) on the folded text; their findings are then
 * moved to offsets of the original through `map` (custom detectors read the original directly).
 */
function runBuiltins(detectors: Detector[], count: number, folded: string, text: string, map: Int32Array | undefined, out: PiiFinding[], hints: Hints): void {
  const from = out.length;
  for (let d = 0; d < count; d++) detectors[d]!.find(folded, text, out, hints);
  if (map === undefined) return;
  for (let k = from; k < out.length; k++) {
    const f = out[k]!;
    out[k] = { detector: f.detector, start: map[f.start]!, end: map[f.end]! };
  }
}

/** Findings of every walked string (and of each message's joined text parts), counted per detector. */
function scanWalk(
  walk: Walk,
  find: (text: string) => PiiFinding[] | undefined,
  actionOf: (detector: string) => PiiAction,
  merge: (findings: PiiFinding[]) => PiiFinding[],
): { counts: Record<string, number>; hits: Hit[]; strongest: PiiAction | undefined } {
  const counts: Record<string, number> = {};
  const hits: Hit[] = [];
  let strongest: PiiAction | undefined;
  const note = (detector: string): void => {
    counts[detector] = (counts[detector] ?? 0) + 1;
    const action = actionOf(detector);
    if (strongest === undefined || ACTION_RANK[action] < ACTION_RANK[strongest]) strongest = action;
  };
  const { texts, holders, keys, isKey, count } = walk;
  for (let k = 0; k < count; k++) {
    const text = texts[k]!;
    const findings = find(text);
    if (findings === undefined) continue;
    hits.push({ slot: { holder: holders[k], key: keys[k]!, isKey: isKey[k]!, text }, findings });
    for (const f of findings) note(f.detector);
  }
  if (walk.partArrays.length > 0) for (const detector of scanJoinedParts(walk.partArrays, find, hits, merge)) note(detector);
  return { counts, hits, strongest };
}

/** Shortest text any built-in can match: an email such as `a@b.cd` (phones need 7 digits, secrets more). */
const MIN_BUILTIN_LENGTH = 6;

interface CompiledDetectors { detectors: Detector[]; builtinCount: number; rank: ReturnType<typeof rankOf> }

/** Findings in one string, or undefined when it is clean (the common case allocates nothing). */
function findInText({ detectors, builtinCount, rank }: CompiledDetectors, text: string, hints: Hints): PiiFinding[] | undefined {
  if (text.length < MIN_BUILTIN_LENGTH) {
    if (text.length === 0 || builtinCount === detectors.length) return undefined;
    const out = hints.out;
    out.length = 0;
    for (let d = builtinCount; d < detectors.length; d++) detectors[d]!.find(text, text, out, hints);
    return takeFindings(out, rank);
  }
  let folded = text;
  let map: Int32Array | undefined;
  const foldAt = prescan(text, hints, true);
  if (foldAt !== -1) {
    ({ text: folded, map } = foldWithMap(text, foldAt));
    prescan(folded, hints, false);
  }
  // Findings collect in a buffer reused across strings; a clean string allocates no array.
  const out = hints.out;
  out.length = 0;
  // Built-ins find nothing where the pre-pass pointed nowhere (a PEM block needs its '-----BEGIN ').
  const builtinsIdle = hints.clusterCount === 0 && hints.ibanCount === 0 && hints.secretCount === 0 && hints.at === -1 && folded.indexOf(PEM_BEGIN) === -1;
  if (!builtinsIdle) runBuiltins(detectors, builtinCount, folded, text, map, out, hints);
  for (let d = builtinCount; d < detectors.length; d++) detectors[d]!.find(folded, text, out, hints);
  return takeFindings(out, rank);
}

/** Validates options once (throws a TypeError naming e.g. `pii.detectors.emial`) and precompiles every detector. */
export function compilePii(options?: PiiOptions, optionName = 'pii'): PiiScanner {
  const config = normalizePiiOptions(options, optionName);
  const detectors = buildDetectors(config);
  // Built-ins come first in `detectors`, customs after them.
  const builtinCount = detectors.length - config.custom.length;
  const actionOf = new Map<string, PiiAction>(detectors.map((d) => [d.name, d.action]));
  const rank = rankOf(detectors);
  // A body that could not be scanned is refused when any detector would block or redact: under
  // those, unscanned PII must neither reach the handler nor reach it unredacted.
  const refuseUnscanned = detectors.some((d) => d.action !== 'bypass');
  const unscanned = (reason: UnscannedReason): PiiVerdict =>
    refuseUnscanned ? { action: 'block', counts: {}, unscanned: reason } : { action: 'too_large', counts: {}, unscanned: reason };

  // Pre-pass buffers and the walk are reused across calls; a custom `test` that scans or inspects
  // re-entrantly gets fresh ones.
  const shared = createHints();
  const sharedWalk = new Walk();
  let busy = false;

  const compiled: CompiledDetectors = { detectors, builtinCount, rank };
  const findIn = (text: string, hints: Hints): PiiFinding[] | undefined => findInText(compiled, text, hints);

  const scanText = (text: string): PiiFinding[] => {
    if (typeof text !== 'string') return [];
    const outer = !busy;
    const hints = outer ? shared : createHints();
    busy = true;
    try {
      startCall(hints, text.length);
      return findIn(text, hints) ?? [];
    } finally {
      endCall(hints);
      if (outer) busy = false;
    }
  };

  const inspect = (body: unknown, req?: unknown): PiiVerdict => {
    const value = config.extract ? config.extract(body, req) : body;
    const outer = !busy;
    const hints = outer ? shared : createHints();
    const walk = outer ? sharedWalk : new Walk();
    busy = true;
    try {
      const chars = walk.collect(value, config.maxScanChars);
      if (chars === -1) return unscanned('scan_size');
      startCall(hints, chars);
      const { counts, hits, strongest } = scanWalk(walk, (t) => findIn(t, hints), (d) => actionOf.get(d) ?? config.action, (f) => resolveOverlaps(f, rank));
      // Too many phone-shaped numbers to validate within the budget: unscanned (the candidates past
      // it were only presumed to be phone numbers).
      if (hints.exhausted) return unscanned('phone_budget');
      if (strongest === undefined || hits.length === 0) return { action: 'none', counts };
      if (strongest !== 'redact') return { action: strongest, counts };
      // Redaction is applied to the whole body even when `extract` narrowed the scan to a part of it.
      return { action: 'redact', counts, body: redact(body, value, hits) };
    } finally {
      endCall(hints);
      walk.release();
      if (outer) busy = false;
    }
  };

  return { scanText, inspect };
}

const defaultScanner: { value?: PiiScanner } = {};
const scannerCache = new WeakMap<PiiOptions, PiiScanner>();

/** Scans one string with the default options (or the given ones); compiled scanners are cached. */
export function scanPii(text: string, options?: PiiOptions): PiiFinding[] {
  if (options === undefined) return (defaultScanner.value ??= compilePii()).scanText(text);
  let scanner = scannerCache.get(options);
  if (!scanner) scannerCache.set(options, (scanner = compilePii(options)));
  return scanner.scanText(text);
}

/**
 * Test reference: every built-in looks everywhere (no pre-pass). scanText must return exactly the
 * same findings; the differential property test holds the pre-pass to that.
 */
export function scanTextExhaustive(text: string, options?: PiiOptions): PiiFinding[] {
  const config = normalizePiiOptions(options);
  const detectors = buildDetectors(config);
  const { text: folded, map } = foldWithMap(text);
  const hints = exhaustiveHints(folded);
  const out: PiiFinding[] = [];
  const builtinCount = detectors.length - config.custom.length;
  runBuiltins(detectors, builtinCount, folded, text, map, out, hints);
  for (let d = builtinCount; d < detectors.length; d++) detectors[d]!.find(folded, text, out, hints);
  return resolveOverlaps(out, rankOf(detectors));
}
