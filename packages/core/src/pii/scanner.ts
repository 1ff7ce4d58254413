// The PII scanner: compiles options into detectors, scans strings, inspects whole bodies, redacts.
import { createCreditCardDetector } from './credit-card.js';
import { compileCustom } from './custom.js';
import { createEmailDetector } from './email.js';
import { fold } from './fold.js';
import { createHints, endCall, exhaustiveHints, prescan, startCall, type Hints } from './hints.js';
import { createIbanDetector } from './iban.js';
import { normalizePiiOptions, type PiiConfig } from './options.js';
import { createPhoneDetector } from './phone.js';
import { createSecretDetector, PEM_BEGIN } from './secret.js';
import { createSsnDetector } from './ssn.js';
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

/** A string (or key, or number) in the walked body and where it sits, so a copy can be redacted. */
interface Slot {
  holder: unknown[] | Record<string, unknown> | undefined;
  key: string | number;
  isKey: boolean;
  text: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Every string, number and object key of a body in document order, as parallel arrays reused from
 * call to call (no object per string): the walk of a clean body allocates next to nothing.
 */
class Walk {
  texts: string[] = [];
  holders: Array<Slot['holder']> = [];
  keys: Array<string | number> = [];
  isKey: boolean[] = [];
  count = 0;
  private readonly stackValues: unknown[] = [];
  private readonly stackHolders: Array<Slot['holder']> = [];
  private readonly stackKeys: Array<string | number> = [];
  private readonly seen = new Set<object>();

  private add(holder: Slot['holder'], key: string | number, isKey: boolean, text: string): void {
    const k = this.count++;
    this.texts[k] = text;
    this.holders[k] = holder;
    this.keys[k] = key;
    this.isKey[k] = isKey;
  }

  private push(value: unknown, holder: Slot['holder'], key: string | number): void {
    this.stackValues.push(value);
    this.stackHolders.push(holder);
    this.stackKeys.push(key);
  }

  /**
   * Collects without recursion (deeply nested JSON cannot overflow the stack) and returns the
   * characters counted, or -1 as soon as the total exceeds `max`.
   */
  collect(root: unknown, max: number): number {
    this.count = 0;
    let total = 0;
    const { stackValues, stackHolders, stackKeys, seen } = this;
    stackValues.length = 0;
    stackHolders.length = 0;
    stackKeys.length = 0;
    this.push(root, undefined, 0);
    try {
      while (stackValues.length > 0) {
        const value = stackValues.pop();
        const holder = stackHolders.pop();
        const key = stackKeys.pop()!;
        const text = textOf(value);
        if (text !== undefined) {
          // A number counts as one character: its text (≤ 24 characters) can be far longer than its
          // JSON (`1e20`), and a body within the cap must never exceed it by being read back.
          total += typeof value === 'string' ? text.length : 1;
          if (total > max) return -1;
          this.add(holder, key, false, text);
          continue;
        }
        if (Array.isArray(value)) {
          if (seen.has(value)) continue;
          seen.add(value);
          for (let i = value.length - 1; i >= 0; i--) this.push(value[i], value, i);
        } else if (isPlainObject(value)) {
          if (seen.has(value)) continue;
          seen.add(value);
          const keys = Object.keys(value);
          // Keys are scanned first, in order, then the values (pushed in reverse so they pop in order).
          for (const k of keys) {
            total += k.length;
            if (total > max) return -1;
            this.add(value, k, true, k);
          }
          for (let i = keys.length - 1; i >= 0; i--) this.push(value[keys[i]!], value, keys[i]!);
        }
      }
      return total;
    } finally {
      seen.clear();
    }
  }

  /** Lets go of the body's strings and objects, and of arrays a huge body grew. */
  release(): void {
    const { count, texts, holders, keys, isKey } = this;
    if (count > 256) {
      texts.length = holders.length = keys.length = isKey.length = 0;
    } else {
      for (let k = 0; k < count; k++) {
        texts[k] = '';
        holders[k] = undefined;
        keys[k] = 0;
      }
    }
    this.count = 0;
    if (this.stackValues.length > 0) {
      this.stackValues.length = 0;
      this.stackHolders.length = 0;
      this.stackKeys.length = 0;
    }
  }
}

/**
 * Sets an own data property the way JSON.parse creates one: `__proto__` becomes an ordinary own key
 * instead of replacing the prototype (plain assignment would call the inherited setter).
 */
function defineOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Deep copy of arrays and plain objects (iteratively); returns the copy and original → copy map.
 * Every copied object is a plain `{}` (Object.prototype) holding own data properties only.
 */
function cloneContainers(root: unknown): { copy: unknown; map: Map<object, unknown[] | Record<string, unknown>> } {
  const map = new Map<object, unknown[] | Record<string, unknown>>();
  const shell = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      if (!map.has(value)) map.set(value, new Array<unknown>(value.length));
      return map.get(value);
    }
    if (isPlainObject(value)) {
      if (!map.has(value)) map.set(value, {});
      return map.get(value);
    }
    return value;
  };
  const copy = shell(root);
  const stack: unknown[] = [root];
  const filled = new Set<object>();
  while (stack.length > 0) {
    const src = stack.pop();
    if (typeof src !== 'object' || src === null || filled.has(src) || !map.has(src)) continue;
    filled.add(src);
    const dst = map.get(src)!;
    if (Array.isArray(src)) {
      for (let i = 0; i < src.length; i++) {
        (dst as unknown[])[i] = shell(src[i]);
        stack.push(src[i]);
      }
    } else {
      for (const k of Object.keys(src)) {
        const value = (src as Record<string, unknown>)[k];
        defineOwn(dst as Record<string, unknown>, k, shell(value));
        stack.push(value);
      }
    }
  }
  return { copy, map };
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

/** Shortest text any built-in can match: an email such as `a@b.cd` (phones need 7 digits, secrets more). */
const MIN_BUILTIN_LENGTH = 6;

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

  /** Findings in one string, or undefined when it is clean (the common case allocates nothing). */
  const findIn = (text: string, hints: Hints): PiiFinding[] | undefined => {
    if (text.length < MIN_BUILTIN_LENGTH) {
      if (text.length === 0 || builtinCount === detectors.length) return undefined;
      const out = hints.out;
      out.length = 0;
      for (let d = builtinCount; d < detectors.length; d++) detectors[d]!.find(text, text, out, hints);
      return takeFindings(out, rank);
    }
    let folded = text;
    const foldAt = prescan(text, hints, true);
    if (foldAt !== -1) {
      folded = fold(text, foldAt);
      prescan(folded, hints, false);
    }
    // Findings collect in a buffer reused across strings; a clean string allocates no array.
    const out = hints.out;
    out.length = 0;
    // Built-ins find nothing where the pre-pass pointed nowhere (a PEM block needs its '-----BEGIN ').
    const builtinsIdle = hints.clusterCount === 0 && hints.ibanCount === 0 && hints.secretCount === 0 && hints.at === -1 && folded.indexOf(PEM_BEGIN) === -1;
    for (let d = builtinsIdle ? builtinCount : 0; d < detectors.length; d++) detectors[d]!.find(folded, text, out, hints);
    return takeFindings(out, rank);
  };

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
      const counts: Record<string, number> = {};
      let hits: Array<{ slot: Slot; findings: PiiFinding[] }> | undefined;
      let strongest: PiiAction | undefined;
      const { texts, holders, keys, isKey, count } = walk;
      for (let k = 0; k < count; k++) {
        const text = texts[k]!;
        const findings = findIn(text, hints);
        if (findings === undefined) continue;
        (hits ??= []).push({ slot: { holder: holders[k], key: keys[k]!, isKey: isKey[k]!, text }, findings });
        for (const f of findings) {
          counts[f.detector] = (counts[f.detector] ?? 0) + 1;
          const action = actionOf.get(f.detector) ?? config.action;
          if (strongest === undefined || ACTION_RANK[action] < ACTION_RANK[strongest]) strongest = action;
        }
      }
      // Too many phone-shaped numbers to validate within the budget: unscanned (the candidates past
      // it were only presumed to be phone numbers).
      if (hints.exhausted) return unscanned('phone_budget');
      if (strongest === undefined || hits === undefined) return { action: 'none', counts };
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

function redact(body: unknown, scanned: unknown, hits: Array<{ slot: Slot; findings: PiiFinding[] }>): unknown {
  const { copy, map } = cloneContainers(body);
  const numbers = new Map<string, Map<string, number>>();
  const placeholder = (detector: string, value: string): string => {
    let perDetector = numbers.get(detector);
    if (!perDetector) numbers.set(detector, (perDetector = new Map()));
    let n = perDetector.get(value);
    if (n === undefined) perDetector.set(value, (n = perDetector.size + 1));
    return `[${detector.toUpperCase()}_${n}]`;
  };
  const renames = new Map<Record<string, unknown>, Map<string, string>>();
  let root = copy;
  for (const { slot, findings } of hits) {
    let text = '';
    let from = 0;
    for (const f of findings) {
      text += slot.text.slice(from, f.start) + placeholder(f.detector, slot.text.slice(f.start, f.end));
      from = f.end;
    }
    text += slot.text.slice(from);
    if (slot.holder === undefined) {
      // The scanned value itself is a string: it is the body only when nothing narrowed it.
      if (scanned === body) root = text;
      continue;
    }
    const target = map.get(slot.holder);
    if (!target) continue;
    if (slot.isKey) {
      const record = target as Record<string, unknown>;
      let r = renames.get(record);
      if (!r) renames.set(record, (r = new Map()));
      r.set(slot.key as string, text);
    } else {
      defineOwn(target as Record<string | number, unknown>, slot.key, text);
    }
  }
  for (const [record, r] of renames) {
    const entries = Object.keys(record).map((k) => [r.get(k) ?? k, record[k]] as const);
    for (const k of Object.keys(record)) delete record[k];
    for (const [k, v] of entries) defineOwn(record, k, v);
  }
  return root;
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
  const detectors = buildDetectors(normalizePiiOptions(options));
  const folded = fold(text);
  const hints = exhaustiveHints(folded);
  const out: PiiFinding[] = [];
  for (const detector of detectors) detector.find(folded, text, out, hints);
  return resolveOverlaps(out, rankOf(detectors));
}
