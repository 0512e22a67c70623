import type { Request } from 'express';

/**
 * The origin the browser reaches the console at: CONSOLE_PUBLIC_URL when set, else the request's own (its protocol
 * and Host, or X-Forwarded-Proto / -Host from a proxy TRUST_PROXY names). A forged Host can only send the forger's
 * own browser astray: the issuer accepts registered redirect URIs only.
 */
export const publicOrigin = (req: Request, publicUrl: URL | undefined): string =>
  publicUrl ? publicUrl.origin : `${req.protocol}://${req.host ?? 'localhost'}`;

export const oidcRedirectUri = (req: Request, publicUrl: URL | undefined, fixed: URL | undefined): string =>
  fixed?.href ?? `${publicOrigin(req, publicUrl)}/auth/oidc/callback`;

/** Where RP-initiated logout sends the browser back to (register it at the issuer as a post-logout redirect URI). */
export const postLogoutRedirectUri = (req: Request, publicUrl: URL | undefined): string => `${publicOrigin(req, publicUrl)}/console/`;
