// The catalogue of event types the guard, the suspicious-activity detector and the CLI raise.

/** One documented event type. */
export interface EventTypeInfo {
  readonly type: string;
  /** Who raises it: the gate, the detector, the guard watching its key store, the CLI, or an observation the detector reads (never emitted). */
  readonly source: 'guard' | 'detector' | 'keystore' | 'cli' | 'observation';
  readonly description: string;
}

/**
 * Every event type, with what raises it. Events carry ids, display hints, codes, detector names and
 * counts, never a key, a secret, a raw subject id or a PII value. Metrics label events by these
 * types only (anything else is counted as `other`).
 */
export const EVENT_CATALOGUE = [
  { type: 'auth.failure', source: 'guard', description: 'A request failed authentication; `code` says why (missing, malformed, invalid, wrong environment, revoked, expired).' },
  { type: 'auth.lockout', source: 'guard', description: 'An address reached the lockout threshold; `failures`, `windowMs` and `until` give the evidence.' },
  { type: 'auth.scope_denied', source: 'guard', description: 'A valid key called an admin route without the needed `scope`.' },
  { type: 'ip.denied', source: 'guard', description: 'The client address is outside the global or per-key allowlist, or could not be determined (`reason`).' },
  { type: 'key.exposed_over_http', source: 'guard', description: 'A key was sent over plain HTTP to an HTTPS-only guard: rotate it.' },
  { type: 'key.rotation_due', source: 'guard', description: 'A key older than the rotation policy was used (at most once a day per key); `ageDays`, `policyDays`.' },
  { type: 'pii.detected', source: 'guard', description: 'Personal data found in a request; `detectors` maps detector names to counts, `action` is what the gate did.' },
  { type: 'pii.detected_in_response', source: 'guard', description: 'Personal data found in a handler answer, which was therefore not stored.' },
  { type: 'cache.integrity_failure', source: 'guard', description: 'A cache entry failed authentication or decryption (tampered, or a lost key); it was not served.' },
  { type: 'cache.unavailable', source: 'guard', description: 'The cache store failed or timed out (`operation`); the request went direct.' },
  { type: 'cache.semantic_hit', source: 'guard', description: 'A rephrased request was answered by a stored one after every check passed: `similarity` (cosine), `threshold` it had to reach, `stream`; never any text.' },
  { type: 'semantic.unavailable', source: 'guard', description: 'The embedder or the vector index failed or timed out (`reason`: embedder_failed, embedder_timeout, index_failed, index_write_failed); the request went on by exact matching. At most once a minute per tenant and reason; `suppressed` counts the ones held back since the last.' },
  { type: 'keys.unavailable', source: 'guard', description: 'The key store did not answer; the request was refused with 503.' },
  { type: 'counters.unavailable', source: 'guard', description: 'The counter store (lockout, detector) did not answer.' },
  { type: 'privacy.erased', source: 'guard', description: "A subject's entries were erased; `receipt` holds the tenant, subject hash, count and time." },
  { type: 'privacy.tenant_erased', source: 'guard', description: "A tenant's entries were all erased." },
  { type: 'privacy.do_not_cache_set', source: 'guard', description: 'An erase left a "do not cache" marker on a subject: its later requests go direct (`no_consent`).' },
  { type: 'privacy.do_not_cache_cleared', source: 'guard', description: 'A subject\'s "do not cache" marker was cleared.' },
  { type: 'privacy.exported', source: 'guard', description: "A subject's entries were exported (the receipt counts them; the event never holds their content)." },
  { type: 'suspicious.retired_key_used', source: 'guard', description: 'A revoked or rotated-out key was presented: it may have leaked.' },
  { type: 'suspicious.key_from_unexpected_network', source: 'guard', description: "A key was presented from outside its own allowlist." },
  { type: 'suspicious.auth_failure_burst', source: 'detector', description: 'Many authentication failures from one address within a window.' },
  { type: 'suspicious.credential_stuffing', source: 'detector', description: 'One address presented many distinct keys within a window.' },
  { type: 'suspicious.retired_key_reuse', source: 'detector', description: 'A retired key keeps being presented (`count`, `addresses`) within a window.' },
  { type: 'suspicious.new_network_for_key', source: 'detector', description: 'A key was used from a network (/24 or /48) it was not seen from before, after its learning allowance.' },
  { type: 'suspicious.scope_denial_burst', source: 'detector', description: 'One key was refused for missing scopes many times within a window.' },
  { type: 'suspicious.cache_probing', source: 'detector', description: 'A tenant sent many distinct near-identical prompts (simhash within Hamming distance 3) within a window.' },
  { type: 'key.created', source: 'keystore', description: 'A key appeared in the key store (CLI `keys create`, another instance): `keyId`, `keyHint`, `tenant`, `scopes`.' },
  { type: 'key.rotated', source: 'keystore', description: 'A key was rotated: `keyId` is the old key (working until `graceUntil`), `successorId` the new one.' },
  { type: 'key.revoked', source: 'keystore', description: 'A key was revoked; it stops working at once.' },
  { type: 'key.expiring', source: 'keystore', description: 'An active key expires within 7 days (`expiresAt`); raised once per key per process.' },
  { type: 'request.authenticated', source: 'observation', description: 'Fed to the detector for each authenticated request (key id and address); not emitted.' },
  { type: 'cache.lookup', source: 'observation', description: 'Fed to the detector for each cache lookup (tenant and `promptSimhash`); not emitted.' },
] as const satisfies readonly EventTypeInfo[];

/** An event type name from the catalogue. */
export type EventType = (typeof EVENT_CATALOGUE)[number]['type'];

/** The names of every event type, observations included. */
export const EVENT_TYPES: readonly EventType[] = EVENT_CATALOGUE.map((e) => e.type);

/** The types the detector raises itself (it ignores them on input, so it never feeds on its own output). */
export const SUSPICION_TYPES = [
  'suspicious.auth_failure_burst',
  'suspicious.credential_stuffing',
  'suspicious.retired_key_reuse',
  'suspicious.new_network_for_key',
  'suspicious.scope_denial_burst',
  'suspicious.cache_probing',
] as const;

const KNOWN = new Set<string>(EVENT_TYPES);

/** True for a type in the catalogue. */
export function isKnownEventType(type: string): type is EventType {
  return KNOWN.has(type);
}
