// Transport rules shared by servers and start-up checks: served TLS minimum, outbound URL policy.
export { resolveTlsOptions, TransportConfigError, TLS_LEGACY_MIN_VERSION, TLS_INVALID_MIN_VERSION } from './tls.js';
export type { ResolvedTlsOptions, TlsMinVersion, TransportWarning } from './tls.js';
export { checkOutboundUrl, classifyOutboundUrl, isLoopbackHost, PLAINTEXT_OUTBOUND, PLAINTEXT_STORE, INVALID_OUTBOUND_URL } from './outbound.js';
export type { OutboundCarries, OutboundCheckOptions, OutboundVerdict } from './outbound.js';
