// What the three example chat servers share.
export { loadConfig, ConfigError, type ExampleConfig } from './config.js';
export { offlineModel, upstreamModel, tenantUpstreamKey, SSE_HEADERS, type ChatBackend, type ChatBody, type ChatResult } from './model.js';
export { listen, banner, sseEvents, runMain, closeOnSignal } from './server.js';
export { exampleMetrics, metricsReply, METRICS_SCOPE, type MetricsReply } from './metrics.js';
