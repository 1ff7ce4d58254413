// API key scopes: the known set, validation with "did you mean", and wildcard matching.
import { closest } from '../suggest.js';
import { optionError } from '../errors.js';

/** Every scope a key can hold; `resource:*` and `*` are wildcards over them. */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([
  'cache:read',
  'cache:write',
  'analytics:read',
  // Operators: every tenant's metrics (a tenant's analytics:read key sees its own tenant's only).
  'analytics:admin',
  'privacy:admin',
  'keys:admin',
]);

const KNOWN_RESOURCES = new Set(KNOWN_SCOPES.map((scope) => scope.slice(0, scope.indexOf(':'))));
const ACCEPTED = new Set<string>([...KNOWN_SCOPES, '*', ...[...KNOWN_RESOURCES].map((r) => `${r}:*`)]);

function suggest(scope: string): string | undefined {
  return closest(scope.toLowerCase(), ACCEPTED, Math.max(2, Math.floor(scope.length / 3)));
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
