import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A session token: 32 random bytes, base64url (43 characters). The cookie carries it; the table its hash. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const hashSessionToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The session's CSRF token (synchronizer token): an HMAC keyed by the session token, so it is bound to the session,
 * needs no storage, and cannot be made without the HttpOnly cookie; only same-origin script reads it (from
 * GET /api/v1/session) and sends it back in X-CSRF-Token.
 */
export const csrfTokenFor = (sessionToken: string): string => createHmac('sha256', sessionToken).update('relay console csrf v1').digest('base64url');

/** Constant-time comparison of two strings (false at once when their lengths differ, which is no secret). */
export function sameSecret(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
