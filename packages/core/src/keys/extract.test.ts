// Tests for reading the API key from Authorization: Bearer and X-API-Key headers.
import { describe, expect, it } from 'vitest';
import type { HeaderMap } from '../types.js';
import { extractApiKey } from './extract.js';

const KEY = 'vc_dev_abc';
const OTHER = 'vc_dev_xyz';

describe('extractApiKey', () => {
  const cases: Array<[string, HeaderMap, ReturnType<typeof extractApiKey>]> = [
    ['no headers', {}, { key: undefined }],
    ['Bearer', { authorization: `Bearer ${KEY}` }, { key: KEY }],
    ['lower-case scheme', { authorization: `bearer ${KEY}` }, { key: KEY }],
    ['upper-case scheme, extra spaces', { authorization: `  BEARER   ${KEY}  ` }, { key: KEY }],
    ['X-API-Key', { 'x-api-key': KEY }, { key: KEY }],
    ['X-API-Key with spaces around', { 'x-api-key': `  ${KEY} ` }, { key: KEY }],
    ['both, same value', { authorization: `Bearer ${KEY}`, 'x-api-key': KEY }, { key: KEY }],
    ['both, different values', { authorization: `Bearer ${KEY}`, 'x-api-key': OTHER }, { error: 'malformed_api_key' }],
    ['Bearer with two tokens', { authorization: `Bearer ${KEY} ${OTHER}` }, { error: 'malformed_api_key' }],
    ['Bearer with no token', { authorization: 'Bearer' }, { error: 'malformed_api_key' }],
    ['Bearer with comma list', { authorization: `Bearer ${KEY},${OTHER}` }, { error: 'malformed_api_key' }],
    ['Basic alone', { authorization: 'Basic dXNlcjpwYXNz' }, { error: 'malformed_api_key' }],
    ['Basic plus X-API-Key', { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY }, { key: KEY }],
    ['bare key in Authorization', { authorization: KEY }, { error: 'malformed_api_key' }],
    ['Bearer-ish scheme', { authorization: `Bearerx ${KEY}` }, { error: 'malformed_api_key' }],
    ['garbage Authorization', { authorization: '%%%' }, { error: 'malformed_api_key' }],
    ['two Authorization headers', { authorization: [`Bearer ${KEY}`, `Bearer ${OTHER}`] }, { error: 'malformed_api_key' }],
    ['two identical Authorization headers', { authorization: [`Bearer ${KEY}`, `Bearer ${KEY}`] }, { error: 'malformed_api_key' }],
    ['one Authorization in an array', { authorization: [`Bearer ${KEY}`] }, { key: KEY }],
    ['two X-API-Key headers', { 'x-api-key': [KEY, OTHER] }, { error: 'malformed_api_key' }],
    ['X-API-Key joined by Node', { 'x-api-key': `${KEY}, ${OTHER}` }, { error: 'malformed_api_key' }],
    ['X-API-Key with inner space', { 'x-api-key': `${KEY} x` }, { error: 'malformed_api_key' }],
    ['empty X-API-Key', { 'x-api-key': '' }, { key: undefined }],
    ['blank Authorization', { authorization: '   ' }, { key: undefined }],
    ['empty arrays', { authorization: [], 'x-api-key': [] }, { key: undefined }],
    ['overlong Authorization', { authorization: `Bearer ${'a'.repeat(600)}` }, { error: 'malformed_api_key' }],
    ['overlong X-API-Key', { 'x-api-key': 'a'.repeat(513) }, { error: 'malformed_api_key' }],
    ['huge header', { authorization: `Bearer ${'a'.repeat(1_000_000)}` }, { error: 'malformed_api_key' }],
  ];

  for (const [name, headers, expected] of cases) {
    it(name, () => {
      expect(extractApiKey(headers)).toEqual(expected);
    });
  }

  it('ignores unrelated headers', () => {
    expect(extractApiKey({ 'x-api-token': KEY, cookie: 'a=b' })).toEqual({ key: undefined });
  });
});
