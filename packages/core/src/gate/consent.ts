// The end user a request is about (privacy subject) and whether they consented to caching.
import type { GuardRequest } from '../contract.js';
import { firstHeader } from '../headers.js';

export interface SubjectOptions {
  subject: ((req: unknown) => string | undefined | null) | undefined;
  consent: ((req: unknown) => boolean) | undefined;
}

/**
 * Longest subject id accepted, in characters. A longer one is refused (400 `invalid_subject`), never
 * dropped: dropping it would cache the request tenant-wide and make its erase and export find nothing.
 */
export const MAX_SUBJECT_LENGTH = 1024;

/** The subject id from the `subject(req)` option or `X-Vectorcache-Subject`: absent, an id, or too long. */
export function subjectOf(o: SubjectOptions, request: Pick<GuardRequest, 'headers' | 'raw'>): { id?: string; tooLong?: true } {
  let id: string | undefined;
  if (o.subject) {
    const given = o.subject(request.raw);
    id = typeof given === 'string' && given.length > 0 ? given : undefined;
  } else {
    const raw = firstHeader(request.headers, 'x-vectorcache-subject');
    if (!raw) return {};
    // Node hands header bytes over as Latin-1; a UTF-8 id must hash like its percent-encoded admin path.
    const bytes = Buffer.from(raw, 'latin1');
    const utf8 = bytes.toString('utf8');
    id = Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : raw;
  }
  if (id === undefined || id.length === 0) return {};
  return id.length > MAX_SUBJECT_LENGTH ? { tooLong: true } : { id };
}

/** Consent from the `consent(req)` option (a throw is no consent) or `X-Vectorcache-Consent: granted`. */
export function hasConsent(o: SubjectOptions, request: Pick<GuardRequest, 'headers' | 'raw'>): boolean {
  if (o.consent) {
    try { return o.consent(request.raw) === true; } catch { return false; }
  }
  return (firstHeader(request.headers, 'x-vectorcache-consent') ?? '').trim().toLowerCase() === 'granted';
}
