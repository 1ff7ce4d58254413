// The shape of one doctor finding and the context every check is judged in.

export type FindingStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  id: string;
  status: FindingStatus;
  message: string;
  /** What to do about it (absent on a pass). */
  fix?: string;
  /** Where the judged setting came from: `env`, `config <path>`, `project folder`, `guard`, `default`. */
  source: string;
}

/** Options the checks name in their messages (dotted for nested ones). */
export type CheckedOption =
  | 'environment' | 'trustProxy' | 'httpsOnly' | 'ipAllowlist' | 'encryption' | 'encryption.secret' | 'retention' | 'keys' | 'cache';

export interface CheckContext {
  environment: string;
  source: string;
  /** How a setting is named to the reader: `trustProxy` in code, VECTORCACHE_TRUST_PROXY in the environment. */
  label: (option: CheckedOption) => string;
}

/** Labels for settings written in code. */
export const optionLabel = (option: CheckedOption): string => `\`${option}\``;
