import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SecretBox } from '../../lib/crypto/secret-box';
import { cookieOf } from './cookies';

/** The OIDC sign-in in progress: sealed (AES-256-GCM) in a short-lived HttpOnly cookie, readable only by the callback. */
export const SIGN_IN_STATE_COOKIE = 'relay_oidc_state';
const COOKIE_PATH = '/auth/oidc';
/** How long the browser has, from the login redirect to the callback. */
export const SIGN_IN_STATE_TTL_MS = 10 * 60_000;

const SignInState = z.object({
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  redirectUri: z.string().url(),
  returnTo: z.string(),
  startedAt: z.number(),
});
export type SignInState = z.infer<typeof SignInState>;

export function saveSignInState(res: Response, box: SecretBox, state: Omit<SignInState, 'startedAt'>, secure: boolean): void {
  const sealed = box.seal(JSON.stringify({ ...state, startedAt: Date.now() } satisfies SignInState));
  res.cookie(SIGN_IN_STATE_COOKIE, sealed, { httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure, maxAge: SIGN_IN_STATE_TTL_MS });
}

/**
 * The sign-in state the request's cookie carries, or null when there is none, it was not sealed by this key, is
 * malformed or is older than SIGN_IN_STATE_TTL_MS. One use only: the cookie is cleared in the same answer.
 */
export function takeSignInState(req: Request, res: Response, box: SecretBox, secure: boolean): SignInState | null {
  const sealed = cookieOf(req, SIGN_IN_STATE_COOKIE);
  if (sealed === undefined) return null;
  res.clearCookie(SIGN_IN_STATE_COOKIE, { httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure });
  let opened: unknown;
  try {
    opened = JSON.parse(box.open(sealed));
  } catch {
    return null;
  }
  const parsed = SignInState.safeParse(opened);
  if (!parsed.success) return null;
  const age = Date.now() - parsed.data.startedAt;
  return age >= 0 && age <= SIGN_IN_STATE_TTL_MS ? parsed.data : null;
}
