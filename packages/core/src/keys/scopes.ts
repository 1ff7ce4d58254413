// API key scopes: the known set, validation with "did you mean", and wildcard matching.
import { optionError } from '../errors.js';

/** Every scope a key can hold; `resource:*` and `*` are wildcards over them. */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([
  'cache:read',
  'cache:write',
  'analytics:read',
  'privacy:admin',
  'keys:admin',
]);

const KNOWN_RESOURCES = new Set(KNOWN_SCOPES.map((scope) => scope.slice(0, scope.indexOf(':'))));
const ACCEPTED = new Set<string>([...KNOWN_SCOPES, '*', ...[...KNOWN_RESOURCES].map((r) => `${r}:*`)]);

/** Levenshtein distance, bounded to short inputs (scopes are short; the caller caps the length). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function suggest(scope: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of ACCEPTED) {
    const d = distance(scope.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(scope.length / 3)) ? best : undefined;
}

/**
 * Checks a list of scopes and returns it without duplicates, in the given order. Accepts the known
 * scopes, `resource:*` for a known resource, and `*`; anything else throws an option error naming
 * `optionName`, with a suggestion when one is close.
 */
export function validateScopes(scopes: unknown, optionName: string): string[] {
  if (!Array.isArray(scopes)) {
    throw optionError(optionName, `must be an array of scopes such as ["cache:read", "cache:write"] (known: ${KNOWN_SCOPES.join(', ')})`);
  }
  const out: string[] = [];
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.length === 0) {
      throw optionError(optionName, 'must contain only non-empty strings');
    }
    if (!ACCEPTED.has(scope)) {
      const shown = scope.length > 40 ? `${scope.slice(0, 40)}…` : scope;
      const hint = scope.length <= 40 ? suggest(scope) : undefined;
      throw optionError(
        optionName,
        `contains unknown scope ${JSON.stringify(shown)}${hint ? `; did you mean "${hint}"?` : ''} (known: ${KNOWN_SCOPES.join(', ')}, \`resource:*\`, \`*\`)`,
      );
    }
    if (!out.includes(scope)) out.push(scope);
  }
  return out;
}

/** True when `granted` covers `needed`, directly or through `*` or `resource:*`. */
export function hasScope(granted: readonly string[], needed: string): boolean {
  const colon = needed.indexOf(':');
  const wildcard = colon > 0 ? `${needed.slice(0, colon)}:*` : undefined;
  for (const scope of granted) {
    if (scope === needed || scope === '*' || (wildcard !== undefined && scope === wildcard)) return true;
  }
  return false;
}
