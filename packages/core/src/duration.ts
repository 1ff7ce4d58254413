// Parses human durations ("90d", "24h", "15m", "2s", "500ms") used by options and the CLI.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d{1,12})(ms|s|m|h|d|w)$/;

/**
 * Milliseconds for a duration string or a non-negative number of milliseconds.
 * Returns undefined for anything else, so callers can name the option in their own error.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Like parseDuration, but throws a TypeError that names the option and shows the accepted forms. */
export function requireDuration(option: string, value: unknown): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new TypeError(
      `vectorcache: option \`${option}\` must be a duration such as "90d", "24h", "15m", "2s" or a number of milliseconds (got ${JSON.stringify(value)})`,
    );
  }
  return ms;
}
