// Rate limit for repeated availability events: one per key and window, counting the ones held back.

export class EventThrottle {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(windowMs: number, maxKeys = 10_000) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /**
   * Undefined while `key` is muted (the occurrence is counted), else how many were held back since
   * the last one let through. An outage then costs one event a window, not one per request.
   */
  pass(key: string, now = Date.now()): number | undefined {
    const seen = this.#last.get(key);
    if (seen && now - seen.at < this.#windowMs) {
      seen.suppressed++;
      return undefined;
    }
    // Keys are bounded (tenant × reason) in practice; a flood of new ones must still not grow memory.
    if (!seen && this.#last.size >= this.#maxKeys) this.#last.clear();
    this.#last.set(key, { at: now, suppressed: 0 });
    return seen?.suppressed ?? 0;
  }
}
