// Canonical JSON of a request body and the HMAC cache key derived from it.
import { createHmac } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so that key order never changes a cache key.
 * Top-level fields in `ignore` (transport-only, like `stream` and `user`) are left out.
 * Iterative (an explicit stack of open containers), so no nesting depth can overflow the call stack.
 * It covers every property the handler can read: own keys of plain objects (an own `__proto__`
 * key from JSON.parse included) and, for an object with another prototype, its inherited
 * enumerable ones too.
 */
export function canonicalJson(value: unknown, ignore?: ReadonlySet<string>): string {
  if (value === null || typeof value !== 'object') return scalar(value);
  // Request bodies are capped at 64 levels before they get here: the recursive writer is the fast path
  // for them; anything deeper (or circular) goes to the iterative writer below, which never overflows.
  const fast = writeShallow(value, ignore, 0);
  return fast ?? canonicalDeep(value, ignore);
}

/** Deeper than this, the recursive writer hands over to the iterative one. */
const SHALLOW_DEPTH = 128;

/** Object keys to write, sorted, as `open` chooses them (own keys, or inherited enumerable ones for exotic prototypes). */
function keysOf(record: Record<string, unknown>, ignoreTop: ReadonlySet<string> | undefined): string[] {
  const proto = Object.getPrototypeOf(record) as unknown;
  let names: string[];
  if (proto === Object.prototype || proto === null) names = Object.keys(record);
  else {
    names = [];
    for (const key in record) names.push(key);
  }
  return names.sort().filter((key) => !ignoreTop?.has(key) && record[key] !== undefined);
}

/** The same output as the iterative writer, by recursion; undefined past SHALLOW_DEPTH. */
function writeShallow(value: object, ignoreTop: ReadonlySet<string> | undefined, depth: number): string | undefined {
  if (depth >= SHALLOW_DEPTH) return undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      const text = child !== null && typeof child === 'object' ? writeShallow(child, undefined, depth + 1) : scalar(child);
      if (text === undefined) return undefined;
      out += (i ? ',' : '') + text;
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of keysOf(record, ignoreTop)) {
    const child = record[key];
    const text = child !== null && typeof child === 'object' ? writeShallow(child, undefined, depth + 1) : scalar(child);
    if (text === undefined) return undefined;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/** Iterative (an explicit stack of open containers): no nesting depth can overflow the call stack. */
export function canonicalDeep(value: object, ignore: ReadonlySet<string> | undefined): string {
  const frames: Frame[] = [];
  // Containers on the current path: a cyclic value (never produced by JSON.parse) is refused, not looped on.
  const path = new Set<object>();
  let out = '';
  let next: object | undefined = value;
  for (;;) {
    if (next !== undefined) {
      if (path.has(next)) throw new TypeError('canonicalJson: the value is circular');
      path.add(next);
      const frame = open(next, frames.length === 0 ? ignore : undefined);
      out += frame.keys === undefined ? '[' : '{';
      frames.push(frame);
      next = undefined;
    }
    const frame = frames[frames.length - 1]!;
    if (frame.index === frame.length) {
      out += frame.keys === undefined ? ']' : '}';
      path.delete(frame.value);
      frames.pop();
      if (frames.length === 0) return out;
      continue;
    }
    let child: unknown;
    if (frame.keys === undefined) child = (frame.value as unknown[])[frame.index];
    else {
      const key = frame.keys[frame.index]!;
      child = (frame.value as Record<string, unknown>)[key];
      out += (frame.index === 0 ? '' : ',') + JSON.stringify(key) + ':';
    }
    if (frame.keys === undefined && frame.index > 0) out += ',';
    frame.index++;
    if (child !== null && typeof child === 'object') next = child;
    else out += scalar(child);
  }
}

interface Frame {
  value: object;
  /** Sorted object keys to write (undefined values left out); undefined for an array. */
  keys: readonly string[] | undefined;
  length: number;
  index: number;
}

function open(value: object, ignoreTop: ReadonlySet<string> | undefined): Frame {
  if (Array.isArray(value)) return { value, keys: undefined, length: value.length, index: 0 };
  const keys = keysOf(value as Record<string, unknown>, ignoreTop);
  return { value, keys, length: keys.length, index: 0 };
}

function scalar(value: unknown): string {
  // Non-finite numbers are not JSON; JSON.stringify would turn them into null silently.
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? 'null';
}

/**
 * Cache entry name: `<tenant>:<hex HMAC-SHA256>` over route, tenant, subject, model and canonical body.
 * The tenant prefix lets stores co-locate a tenant's entries; the HMAC keeps prompts unguessable from names.
 */
export function cacheKey(indexKey: Uint8Array, parts: { tenant: string; route: string; subject?: string; model: string; canonical: string }): string {
  const mac = createHmac('sha256', indexKey);
  // NUL separators: none of the parts can contain one after JSON encoding, so fields cannot run together.
  mac.update(parts.tenant).update('\0').update(parts.route).update('\0').update(parts.subject ?? '').update('\0').update(parts.model).update('\0').update(parts.canonical);
  return `${parts.tenant}:${mac.digest('hex')}`;
}

/** Keyed hash of an end user's id: stored instead of the id itself. */
export function subjectHash(indexKey: Uint8Array, tenant: string, subject: string): string {
  return createHmac('sha256', indexKey).update('subject\0').update(tenant).update('\0').update(subject).digest('hex');
}
