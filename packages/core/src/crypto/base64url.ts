// Strict, canonical base64url codec for Fernet keys and tokens (Python's padded format).

const ALPHABET = /^[A-Za-z0-9_-]*$/;
const VALUES = new Map<string, number>(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]),
);

/** base64url with '=' padding, byte-for-byte what Python's `base64.urlsafe_b64encode` emits. */
export function encodeBase64Url(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/**
 * Decodes base64url, refusing everything a lenient decoder would silently repair: `+`, `/`,
 * whitespace, missing or misplaced padding, and unused low bits that are not zero. Node's own
 * decoder skips bad characters, so two different strings could name the same bytes; keeping one
 * spelling per token makes tampering visible. Returns undefined instead of throwing so callers
 * choose their own error. `padding: 'optional'` also accepts the unpadded form (used for keys).
 */
export function decodeBase64Url(text: string, padding: 'required' | 'optional' = 'required'): Buffer | undefined {
  let body = text;
  const firstPad = text.indexOf('=');
  if (firstPad !== -1) {
    body = text.slice(0, firstPad);
    const pad = text.slice(firstPad);
    if (pad !== '=' && pad !== '==') return undefined;
    if (text.length % 4 !== 0) return undefined;
  } else if (padding === 'required' && text.length % 4 !== 0) {
    return undefined;
  }
  if (!ALPHABET.test(body)) return undefined;
  const rem = body.length % 4;
  if (rem === 1) return undefined;
  if (firstPad !== -1 && (4 - rem) % 4 !== text.length - firstPad) return undefined;
  if (rem !== 0) {
    // The last character carries 4 (rem 2) or 2 (rem 3) bits that must be zero in canonical form.
    const last = VALUES.get(body[body.length - 1]!)!;
    if ((last & (rem === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return Buffer.from(body, 'base64url');
}
