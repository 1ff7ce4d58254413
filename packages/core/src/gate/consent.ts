// The end user a request is about (privacy subject) and whether they consented to caching.
import type { GuardRequest } from '../contract.js';
import { firstHeader } from './context.js';

export interface SubjectOptions {
  subject: ((req: unknown) => string | undefined | null) | undefined;
  consent: ((req: unknown) => boolean) | undefined;
}

/** The subject id from the `subject(req)` option or `X-Vectorcache-Subject`, or undefined. */
export function subjectOf(o: SubjectOptions, request: Pick<GuardRequest, 'headers' | 'raw'>): string | undefined {
  if (o.subject) {
    const id = o.subject(request.raw);
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  }
  const raw = firstHeader(request.headers, 'x-vectorcache-subject');
  if (!raw) return undefined;
  // Node hands header bytes over as Latin-1; a UTF-8 id must hash like its percent-encoded admin path.
  const bytes = Buffer.from(raw, 'latin1');
  const utf8 = bytes.toString('utf8');
  const id = Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : raw;
  return id.length > 0 && id.length <= 256 ? id : undefined;
}

/** Consent from the `consent(req)` option (a throw is no consent) or `X-Vectorcache-Consent: granted`. */
export function hasConsent(o: SubjectOptions, request: Pick<GuardRequest, 'headers' | 'raw'>): boolean {
  if (o.consent) {
    try { return o.consent(request.raw) === true; } catch { return false; }
  }
  return (firstHeader(request.headers, 'x-vectorcache-consent') ?? '').trim().toLowerCase() === 'granted';
}
