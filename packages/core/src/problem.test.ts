// Problem documents: RFC 9457 members plus OpenAI's `error` member, for every deny code.
import { describe, expect, it } from 'vitest';
import { makeProblem, statusFor, type OpenAIErrorType } from './problem.js';
import type { DenyCode } from './types.js';

// A Record over DenyCode: a new code fails to compile here until its OpenAI type is decided.
const OPENAI_TYPE: Record<DenyCode, OpenAIErrorType> = {
  https_required: 'permission_error',
  ip_not_allowed: 'permission_error',
  missing_api_key: 'authentication_error',
  malformed_api_key: 'authentication_error',
  invalid_api_key: 'authentication_error',
  wrong_environment: 'authentication_error',
  key_revoked: 'authentication_error',
  key_expired: 'authentication_error',
  insufficient_scope: 'permission_error',
  too_many_failures: 'rate_limit_error',
  pii_detected: 'invalid_request_error',
  invalid_body: 'invalid_request_error',
  body_too_large: 'invalid_request_error',
  key_store_unavailable: 'server_error',
  not_found: 'invalid_request_error',
  body_timeout: 'invalid_request_error',
  invalid_subject: 'invalid_request_error',
  pii_unscannable: 'invalid_request_error',
  internal_error: 'server_error',
};

describe('makeProblem', () => {
  for (const [code, type] of Object.entries(OPENAI_TYPE) as Array<[DenyCode, OpenAIErrorType]>) {
    it(`${code}: RFC 9457 members and error { message, type: ${type}, code }`, () => {
      const problem = makeProblem(code);
      expect(problem).toMatchObject({ type: `https://vectorcache.dev/problems/${code.replace(/_/g, '-')}`, status: statusFor(code), code });
      expect(problem.title).toEqual(expect.any(String));
      expect(problem.error).toEqual({ message: problem.detail, type, code });
    });
  }

  it('an overridden detail is the OpenAI message too; extension members stay', () => {
    const problem = makeProblem('insufficient_scope', 'This endpoint needs the scope `keys:admin`.', { scope: 'keys:admin' });
    expect(problem).toMatchObject({ detail: 'This endpoint needs the scope `keys:admin`.', scope: 'keys:admin' });
    expect(problem.error).toEqual({ message: 'This endpoint needs the scope `keys:admin`.', type: 'permission_error', code: 'insufficient_scope' });
    expect(JSON.parse(JSON.stringify(problem))).toEqual(problem);
  });
});
