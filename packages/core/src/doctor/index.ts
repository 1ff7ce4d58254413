// Doctor findings for guard options and transport settings (the CLI's `doctor` and `guard.doctor()` build on them).
export { diagnoseOptions, diagnoseTransport, optionsEnvironment, type DiagnoseOptionsContext, type TransportSettings } from './diagnose.js';
export {
  secretWeakness, checkEnvironmentName, checkHttpsOnly, checkTrustProxy, checkIpAllowlist, checkEncryption, checkRetention,
  type EncryptionCheckInput,
} from './checks.js';
export { optionLabel, type Finding, type FindingStatus, type CheckContext, type CheckedOption } from './finding.js';
