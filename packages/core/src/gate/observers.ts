// Decision observers (metrics): each sees an outcome and how long the gate took, never keys or content.
import { performance } from 'node:perf_hooks';
import type { Decision, DecisionObservation } from '../contract.js';

export class Observers {
  readonly #observers = new Set<(observation: DecisionObservation) => void>();

  add(observer: (observation: DecisionObservation) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** A start mark, or undefined when nobody observes (so the common case reads no clock). */
  start(): number | undefined {
    return this.#observers.size === 0 ? undefined : performance.now();
  }

  notify(decision: Decision, started: number | undefined): void {
    if (started === undefined || this.#observers.size === 0) return;
    const observation: DecisionObservation = {
      outcome: decision.kind === 'deny' ? 'deny' : decision.kind === 'respond' ? decision.source : decision.operational ? 'admin' : decision.cacheStatus,
      code: decision.kind === 'deny' ? decision.problem.code : undefined,
      reasons: decision.kind === 'pass' ? decision.reasons : [],
      tenant: decision.principal?.tenant,
      durationMs: performance.now() - started,
      ...(decision.kind === 'respond' && decision.source === 'hit' ? { savedMs: decision.savedMs, savedTokens: decision.savedTokens } : {}),
    };
    for (const observer of this.#observers) {
      try { observer(observation); } catch { /* an observer's bug must not break the request */ }
    }
  }
}
