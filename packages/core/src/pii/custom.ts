// Custom detectors from options: a user pattern (checked for catastrophic backtracking) or a function.
import { optionError } from '../errors.js';
import type { CustomDetector, Detector, PiiAction, PiiFinding } from './types.js';

/**
 * Rejects the classic exponential shape: a repeated group whose body already contains a
 * quantifier (`(a+)+`, `(\w*x)*`, `(?:a{2,})+`), and back-references. A heuristic, not a proof:
 * it also refuses some safe patterns (`(?:\d{3}-)+`); users can pass a `test` function instead.
 */
export function catastrophicReason(source: string): string | undefined {
  interface Frame { quantified: boolean }
  const stack: Frame[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9k]/.test(next)) return 'uses a back-reference';
      i++;
      if (!inClass && isQuantifierAt(source, i + 1)) markQuantified(stack);
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        if (isQuantifierAt(source, i + 1)) markQuantified(stack);
      }
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ quantified: false });
    else if (c === ')') {
      const frame = stack.pop();
      if (frame?.quantified && isUnboundedRepeatAt(source, i + 1)) return 'has a nested quantifier such as (a+)+';
    } else if ((c === '+' || c === '*' || c === '?' || c === '{') && i > 0) {
      if (c !== '?' || isQuantifierTarget(source[i - 1] ?? '')) markQuantified(stack);
    }
  }
  return undefined;
}

function markQuantified(stack: Array<{ quantified: boolean }>): void {
  for (const frame of stack) frame.quantified = true;
}

function isQuantifierTarget(prev: string): boolean {
  return prev !== '(' && prev !== '|';
}

function isQuantifierAt(source: string, i: number): boolean {
  const c = source[i];
  return c === '+' || c === '*' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i, i + 24)));
}

/** `+`, `*`, `{n,}` and `{n,m}` with m > 1: the repeats that multiply backtracking paths. */
function isUnboundedRepeatAt(source: string, i: number): boolean {
  const c = source[i];
  if (c === '+' || c === '*') return true;
  if (c !== '{') return false;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!m) return false;
  if (m[2] === undefined) return Number(m[1]) > 1;
  return m[3] === '' || Number(m[3]) > 1;
}

/** Validates one custom detector's pattern/test and compiles it. */
export function compileCustom(detector: CustomDetector, action: PiiAction, option: string): Detector {
  const { name, pattern, test } = detector;
  if (pattern !== undefined && test !== undefined) throw optionError(option, 'must have either `pattern` or `test`, not both.');
  if (pattern !== undefined) {
    if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw optionError(`${option}.pattern`, 'must be a RegExp or a string.');
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    const flags = typeof pattern === 'string' ? 'g' : pattern.flags.replace(/[gy]/g, '') + 'g';
    const reason = catastrophicReason(source);
    if (reason) throw optionError(`${option}.pattern`, `${reason}, which can take exponential time; rewrite it or pass a \`test\` function.`);
    let re: RegExp;
    try {
      re = new RegExp(source, flags);
    } catch {
      throw optionError(`${option}.pattern`, 'is not a valid regular expression.');
    }
    if (re.test('')) throw optionError(`${option}.pattern`, 'matches the empty string; it would flag every text.');
    return {
      name,
      action,
      find(_folded: string, original: string, out: PiiFinding[]): void {
        re.lastIndex = 0;
        for (let m = re.exec(original); m !== null; m = re.exec(original)) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          out.push({ detector: name, start: m.index, end: m.index + m[0].length });
        }
      },
    };
  }
  if (typeof test !== 'function') throw optionError(option, 'needs a `pattern` (RegExp or string) or a `test` function.');
  return {
    name,
    action,
    find(_folded: string, original: string, out: PiiFinding[]): void {
      let spans: Array<{ start: number; end: number }>;
      try {
        spans = test(original);
      } catch {
        // Fail closed: a detector that cannot answer flags the whole string.
        if (original.length > 0) out.push({ detector: name, start: 0, end: original.length });
        return;
      }
      if (!Array.isArray(spans)) return;
      for (const span of spans) {
        const start = Math.max(0, Math.floor(Number(span?.start)));
        const end = Math.min(original.length, Math.floor(Number(span?.end)));
        if (Number.isFinite(start) && Number.isFinite(end) && end > start) out.push({ detector: name, start, end });
      }
    },
  };
}
