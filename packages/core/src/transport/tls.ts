// The served-TLS rule every server we offer shares: TLS 1.3 minimum, TLS 1.2 only as a logged opt-in.

/** TLS versions a server may be asked to accept as its minimum. */
export type TlsMinVersion = 'TLSv1.3' | 'TLSv1.2';

/** A doubtful but allowed setting: logged once with its code. */
export interface TransportWarning {
  code: string;
  message: string;
}

export interface ResolvedTlsOptions {
  /** Pass straight to `https.createServer` / `tls.createServer`. */
  minVersion: TlsMinVersion;
  /** Present when the minimum was lowered to TLS 1.2. */
  warning?: TransportWarning;
}

/** A transport setting that must not start: the message names the variable or option and the fix. */
export class TransportConfigError extends TypeError {
  readonly code: string;
  /** The environment variable or option at fault, e.g. `UPSTREAM_BASE_URL`. */
  readonly setting: string;
  constructor(setting: string, code: string, message: string) {
    super(message);
    this.name = 'TransportConfigError';
    this.code = code;
    this.setting = setting;
  }
}

export const TLS_LEGACY_MIN_VERSION = 'VC_TLS_LEGACY_MIN_VERSION';
export const TLS_INVALID_MIN_VERSION = 'VC_TLS_INVALID_MIN_VERSION';

/**
 * The minimum TLS version to serve with. Unset (or '') means TLSv1.3; 'TLSv1.2' is accepted for old
 * clients with a `VC_TLS_LEGACY_MIN_VERSION` warning; anything else throws, naming `name`.
 */
export function resolveTlsOptions(input: { minVersion?: string | undefined; name?: string } = {}): ResolvedTlsOptions {
  const name = input.name ?? 'minVersion';
  const raw = input.minVersion;
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'TLSv1.3') return { minVersion: 'TLSv1.3' };
  if (raw.trim() === 'TLSv1.2') {
    return {
      minVersion: 'TLSv1.2',
      warning: {
        code: TLS_LEGACY_MIN_VERSION,
        message: `${name}=TLSv1.2 lowers the served TLS minimum to 1.2 for old clients; unset it to require TLS 1.3 once they are upgraded.`,
      },
    };
  }
  throw new TransportConfigError(name, TLS_INVALID_MIN_VERSION,
    `${name} must be TLSv1.3 (the default) or TLSv1.2 (got ${JSON.stringify(raw.slice(0, 40))}); older versions are not offered.`);
}
