// The body walk of the PII scanner: every string, number and key of a JSON value, without recursion.

/** A string (or key, or number) in the walked body and where it sits, so a copy can be redacted. */
export interface Slot {
  holder: unknown[] | Record<string, unknown> | undefined;
  key: string | number;
  isKey: boolean;
  text: string;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
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
export class Walk {
  texts: string[] = [];
  holders: Array<Slot['holder']> = [];
  keys: Array<string | number> = [];
  isKey: boolean[] = [];
  count = 0;
  /** Arrays holding two or more `{ text: string }` parts (a message's content parts), in walk order. */
  partArrays: unknown[][] = [];
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
    this.partArrays.length = 0;
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
          let parts = 0;
          for (let i = value.length - 1; i >= 0; i--) {
            const item: unknown = value[i];
            if (typeof item === 'object' && item !== null && typeof (item as { text?: unknown }).text === 'string') parts++;
            this.push(item, value, i);
          }
          if (parts > 1) this.partArrays.push(value);
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
    this.partArrays.length = 0;
    if (this.stackValues.length > 0) {
      this.stackValues.length = 0;
      this.stackHolders.length = 0;
      this.stackKeys.length = 0;
    }
  }
}

