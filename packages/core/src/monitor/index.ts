// Monitoring: the event catalogue, the suspicious-activity detector, simhash fingerprints and Prometheus metrics.
export { EVENT_CATALOGUE, EVENT_TYPES, SUSPICION_TYPES, isKnownEventType, type EventType, type EventTypeInfo } from './events.js';
export { simhash64, hammingDistance64, isSimhash64, simhashBands } from './simhash.js';
export {
  createSuspicionDetector, resolveSuspicionOptions, networkOf,
  type SuspicionDetector, type SuspicionOptions, type SuspicionPattern, type SuspicionResult, type BurstOptions,
} from './suspicious.js';
export { createPrometheusMetrics, type PrometheusMetrics, type PrometheusMetricsOptions } from './metrics.js';
