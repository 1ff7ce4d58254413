// Network perimeter primitives: strict IP parsing, trusted-proxy client address, HTTPS detection, allowlists.
export { parseIp } from './ip.js';
export { compileAllowlist, compileAllowlistAsync, AllowlistHolder } from './allowlist.js';
export type { Allowlist, CompileAllowlistAsyncOptions } from './allowlist.js';
export { compileTrustProxy } from './trust-proxy.js';
export type { NetWarning, ProxyTrust, ProxyTrustOptions, TrustProxySetting } from './trust-proxy.js';
export { parseForwarded, forwardedNodeAddress } from './forwarded.js';
export type { ForwardedElement } from './forwarded.js';
export { compileLockoutKey, type LockoutKeyOptions } from './lockout-key.js';
export { headerCountOf, headerCapOf, headerCapReached, type HeaderCount } from './header-cap.js';
