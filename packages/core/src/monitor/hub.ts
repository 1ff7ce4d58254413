// One place where the guard's events go out: listeners, the onEvent option, the logger, and the detector.
import type { GuardEvent, Logger } from '../types.js';
import type { SuspicionDetector, SuspicionResult } from './suspicious.js';

export interface HubOptions {
  onEvent: ((event: GuardEvent) => void) | undefined;
  logger: Logger | undefined;
  silenceWarnings: ReadonlySet<string>;
}

function levelOf(type: string): 'warn' | 'info' {
  return type.startsWith('auth.') || type.startsWith('suspicious.') || type.endsWith('failure') || type.includes('exposed') ? 'warn' : 'info';
}

/** Fans events out; a listener's or logger's bug never breaks the request that raised the event. */
export class EventHub {
  readonly #o: HubOptions;
  readonly #listeners = new Set<(event: GuardEvent) => void>();
  readonly #warned = new Set<string>();
  #detector: SuspicionDetector | undefined;
  #onLockout: ((lockout: NonNullable<SuspicionResult['lockout']>) => Promise<void>) | undefined;

  constructor(options: HubOptions) {
    this.#o = options;
  }

  /** The detector sees every event (and some non-events) off the request path; a raised pattern may lock out. */
  attach(detector: SuspicionDetector | undefined, onLockout: (lockout: NonNullable<SuspicionResult['lockout']>) => Promise<void>): void {
    this.#detector = detector;
    this.#onLockout = onLockout;
  }

  onEvent(listener: (event: GuardEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(type: string, fields: Omit<GuardEvent, 'type' | 'at'>): void {
    const event: GuardEvent = { type, at: new Date().toISOString(), ...fields };
    for (const listener of this.#listeners) {
      try { listener(event); } catch { /* a listener's bug must not break the request */ }
    }
    try { this.#o.onEvent?.(event); } catch { /* same */ }
    this.watch(event);
    const logger = this.#o.logger;
    if (logger) {
      // pino-http's convention: the request id at the top level as `reqId`, the event's own fields beside it.
      const { requestId, ...fields } = event;
      logger[levelOf(type)](requestId === undefined ? fields : { reqId: requestId, ...fields }, type);
    }
  }

  /** Feeds the detector only (for facts that are not events, such as a successful authentication). */
  watch(event: GuardEvent): void {
    const detector = this.#detector;
    if (!detector) return;
    void detector.observe(event).then((result) => {
      if (result.lockout) return this.#onLockout?.(result.lockout);
      return undefined;
    }).catch(() => undefined);
  }

  /** True when feeding this authentication to the detector would change nothing (see SuspicionDetector.knows). */
  knows(keyId: string, address: string | null): boolean {
    return address !== null && this.#detector?.knows?.(keyId, address) === true;
  }

  get watching(): boolean {
    return this.#detector !== undefined;
  }

  /** A coded warning, once per code, unless silenced. */
  warn(code: string, message: string): void {
    if (this.#o.silenceWarnings.has(code) || this.#warned.has(code)) return;
    this.#warned.add(code);
    if (this.#o.logger) this.#o.logger.warn({ code }, `vectorcache: ${message}`);
    else process.emitWarning(`vectorcache: ${message}`, { code });
  }
}
