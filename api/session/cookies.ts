import { parseCookie } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import { SESSION_TOKEN_PATTERN } from './tokens';

/** The console session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over https. */
export const SESSION_COOKIE = 'relay_session';

/** A cookie of the request, or undefined (no Cookie header, no such cookie). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookie(header)[name] : undefined;
}

/** The session token the request's cookie carries, if it is shaped like one. */
export function sessionTokenOf(req: Request): string | undefined {
  const token = cookieOf(req, SESSION_COOKIE);
  return token !== undefined && SESSION_TOKEN_PATTERN.test(token) ? token : undefined;
}

/**
 * Whether cookies must be Secure: the request came over https (req.secure, which believes X-Forwarded-Proto only from
 * the proxies TRUST_PROXY names), or the console's public URL is https.
 */
export const isSecure = (req: Request, publicUrl: URL | undefined): boolean => req.secure || publicUrl?.protocol === 'https:';

const sessionCookieOptions = (secure: boolean): CookieOptions => ({ httpOnly: true, sameSite: 'lax', path: '/', secure });

/** Sets the session cookie until the session's absolute end (the server ends it sooner when it idles). */
export function setSessionCookie(res: Response, token: string, expiresAt: Date, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, { ...sessionCookieOptions(secure), expires: expiresAt });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions(secure));
}
