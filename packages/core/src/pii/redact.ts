// Redaction: a deep copy of the body with JSON.parse semantics, each finding replaced by a numbered placeholder.
import type { Hit } from './parts.js';
import { isPlainObject } from './walk.js';

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

export function redact(body: unknown, scanned: unknown, hits: readonly Hit[]): unknown {
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

