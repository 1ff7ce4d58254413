// RFC 9457 problem+json denials (with OpenAI's `error` member): one template per code, RFC 6750 challenges on 401/403.
import type { DenyCode, Problem } from './types.js';

interface ProblemTemplate {
  status: number;
  title: string;
  detail: string;
}

const TEMPLATES: Record<DenyCode, ProblemTemplate> = {
  https_required: { status: 403, title: 'HTTPS required', detail: 'This endpoint only accepts requests over HTTPS. Any key sent over plain HTTP should be rotated.' },
  ip_not_allowed: { status: 403, title: 'Address not allowed', detail: 'Requests from this network address are not allowed.' },
  missing_api_key: { status: 401, title: 'API key required', detail: 'Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.' },
  malformed_api_key: { status: 401, title: 'Malformed API key', detail: 'The API key is not a well-formed Vectorcache key (vc_<env>_<body>) or was sent ambiguously.' },
  invalid_api_key: { status: 401, title: 'Invalid API key', detail: 'The API key is not known.' },
  wrong_environment: { status: 401, title: 'Wrong environment', detail: 'The API key belongs to another environment.' },
  key_revoked: { status: 401, title: 'API key revoked', detail: 'The API key has been revoked.' },
  key_expired: { status: 401, title: 'API key expired', detail: 'The API key has expired or was rotated out.' },
  insufficient_scope: { status: 403, title: 'Insufficient scope', detail: 'The API key lacks the scope this endpoint needs.' },
  too_many_failures: { status: 429, title: 'Too many authentication failures', detail: 'Too many failed authentication attempts from this address; retry later.' },
  pii_detected: { status: 422, title: 'Personal data detected', detail: 'The request contains personal data, which this endpoint refuses.' },
  pii_unscannable: { status: 422, title: 'Request could not be scanned', detail: 'The request body could not be fully scanned for personal data, which this endpoint requires; send a smaller body or fewer number-like values.' },
  invalid_body: { status: 400, title: 'Invalid request body', detail: 'The request body is not valid JSON of the expected shape.' },
  body_too_large: { status: 413, title: 'Request body too large', detail: 'The request body exceeds the configured size limit.' },
  key_store_unavailable: { status: 503, title: 'Authentication unavailable', detail: 'The key store did not answer; try again shortly.' },
  body_timeout: { status: 408, title: 'Request body timeout', detail: 'The request body did not arrive in time.' },
  invalid_subject: { status: 400, title: 'Invalid subject', detail: 'The subject id (X-Vectorcache-Subject) is longer than 1024 characters.' },
  internal_error: { status: 500, title: 'Internal error', detail: 'The guard could not decide on this request; it was refused. Try again, and report it if it persists.' },
  not_found: { status: 404, title: 'Not found', detail: 'No such resource.' },
};

/** The `error.type` OpenAI gives each status, which its official clients map to their error classes. */
export type OpenAIErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'server_error';

/** OpenAI's error object, so `openai` clients show `message` and `code` instead of "(no body)". */
export interface OpenAIErrorMember {
  message: string;
  type: OpenAIErrorType;
  code: DenyCode;
}

function openAIType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

const TYPE_BASE = 'https://vectorcache.dev/problems/';
const REALM = 'Bearer realm="vectorcache"';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status for a denial code. */
export function statusFor(code: DenyCode): number {
  return TEMPLATES[code].status;
}

/**
 * The problem document; `detail` and extension members may be overridden. RFC 9457 allows
 * extension members: `error` repeats detail and code in OpenAI's shape (and is always ours).
 */
export function makeProblem(code: DenyCode, detail?: string, extra?: Record<string, unknown>): Problem & { error: OpenAIErrorMember } {
  const template = TEMPLATES[code];
  const problem: Problem = { type: TYPE_BASE + code.replace(/_/g, '-'), title: template.title, status: template.status, code, detail: detail ?? template.detail, ...extra };
  return { ...problem, error: { message: problem.detail, type: openAIType(template.status), code } };
}

/** Response headers a denial carries besides its content type (RFC 6750 challenges, Retry-After). */
export function challengeHeaders(code: DenyCode, extra?: { scope?: string; retryAfterSeconds?: number }): Record<string, string> {
  const status = TEMPLATES[code].status;
  if (code === 'missing_api_key') return { 'www-authenticate': REALM };
  if (status === 401) return { 'www-authenticate': `${REALM}, error="invalid_token"` };
  if (code === 'insufficient_scope') {
    return { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${extra?.scope ?? ''}"` };
  }
  if (code === 'too_many_failures' || code === 'key_store_unavailable') {
    return { 'retry-after': String(Math.max(1, extra?.retryAfterSeconds ?? 1)) };
  }
  return {};
}
