import { Router, type Request, type Response } from 'express';
import * as client from 'openid-client';
import type { ConsoleAuth } from '../session/console-auth';
import { isSecure, sessionTokenOf, setSessionCookie } from '../session/cookies';
import type { OidcClient } from '../session/oidc-client';
import { oidcRedirectUri } from '../session/public-origin';
import { CONSOLE_PATH, safeReturnTo } from '../session/return-to';
import { decideRole, needsUserinfo } from '../session/role-mapping';
import { saveSignInState, takeSignInState } from '../session/sign-in-state';
import { sameSecret } from '../session/tokens';

/**
 * Why a sign-in did not happen, as the console's sign-in page reads it from ?error=:
 * state (no, an expired or a mismatched sign-in state: too slow, another tab, a forged callback), denied (the issuer
 * or the user refused), no_role (no group maps to a role), domain (e-mail not in OIDC_ALLOWED_EMAIL_DOMAINS, or not
 * verified), unavailable (the issuer could not be reached), failed (anything else; the log says what).
 */
export type SignInError = 'state' | 'denied' | 'no_role' | 'domain' | 'unavailable' | 'failed';

const SIGN_IN_PAGE = `${CONSOLE_PATH}sign-in`;
const MAX_NAME = 200;

function toSignIn(res: Response, error: SignInError, returnTo?: string): void {
  const query = new URLSearchParams({ error, ...(returnTo && returnTo !== CONSOLE_PATH ? { return_to: returnTo } : {}) });
  res.set('Cache-Control', 'no-store').redirect(303, `${SIGN_IN_PAGE}?${query}`);
}

/** The display name: name, else preferred_username, else e-mail, else the subject. */
function displayName(claims: Record<string, unknown>, subject: string): string {
  for (const key of ['name', 'preferred_username', 'email']) {
    const value = claims[key];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, MAX_NAME);
  }
  return subject.slice(0, MAX_NAME);
}

/**
 * Browser redirects of the OIDC sign-in (mounted at /auth/oidc when OIDC is configured; not JSON API routes, so not
 * in the OpenAPI document): /login sends the browser to the issuer (code flow, PKCE S256, state, nonce; the verifier
 * and the rest sealed in a 10-minute HttpOnly cookie), /callback takes the code back, maps the role and makes the
 * session. Every failure is a redirect to /console/sign-in?error=<SignInError>, never a 5xx page.
 */
export function oidcSignInRoutes(auth: ConsoleAuth, oidc: OidcClient): Router {
  const router = Router();
  const { settings, logger } = auth;
  const secure = (req: Request) => isSecure(req, settings.publicUrl);

  router.get('/login', async (req, res) => {
    const returnTo = safeReturnTo(req.query.return_to);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const redirectUri = oidcRedirectUri(req, settings.publicUrl, oidc.settings.redirectUrl);
    let url: URL;
    try {
      url = await oidc.authorizationUrl({ redirectUri, state, nonce, codeVerifier });
    } catch (err) {
      (req.log ?? logger).warn({ err, issuer: oidc.settings.issuer.href }, 'OIDC sign-in could not start: the issuer is unreachable or its metadata is unusable');
      return toSignIn(res, 'unavailable', returnTo);
    }
    saveSignInState(res, settings.stateBox, { state, nonce, codeVerifier, redirectUri, returnTo }, secure(req));
    res.set('Cache-Control', 'no-store').redirect(303, url.href);
  });

  router.get('/callback', async (req, res) => {
    const log = req.log ?? logger;
    const saved = takeSignInState(req, res, settings.stateBox, secure(req));
    const { state, error } = req.query;
    if (!saved || typeof state !== 'string' || !sameSecret(saved.state, state)) {
      log.info({ hasState: saved !== null }, 'OIDC callback refused: missing, expired or mismatched state');
      return toSignIn(res, 'state');
    }
    if (typeof error === 'string') {
      log.info({ error, description: req.query.error_description }, 'OIDC issuer answered with an error');
      return toSignIn(res, error === 'access_denied' ? 'denied' : 'failed', saved.returnTo);
    }
    try {
      // The redirect URI used at login, with the issuer's answer: what openid-client checks and sends back as redirect_uri.
      const callbackUrl = new URL(saved.redirectUri);
      callbackUrl.search = new URL(req.originalUrl, 'http://relay.invalid').search;
      let identity;
      try {
        identity = await oidc.signIn(callbackUrl, saved, (claims) => needsUserinfo(claims, oidc.settings.roles));
      } catch (err) {
        log.warn({ err }, 'OIDC code exchange or ID token validation failed');
        return toSignIn(res, 'failed', saved.returnTo);
      }
      const decision = decideRole(identity.claims, oidc.settings.roles);
      if ('refused' in decision) {
        log.info({ subject: identity.subject, reason: decision.refused, detail: decision.detail }, 'OIDC sign-in refused');
        return toSignIn(res, decision.refused, saved.returnTo);
      }
      // A session this browser already had is ended: one browser, one session.
      const previousToken = sessionTokenOf(req);
      const previous = previousToken ? await auth.sessions.resolve(previousToken) : null;
      if (previous) await auth.sessions.revoke(previous.row.id);
      const email = typeof identity.claims.email === 'string' ? identity.claims.email : null;
      const { token, session } = await auth.sessions.create({
        method: 'oidc',
        name: displayName(identity.claims, identity.subject),
        role: decision.role,
        email,
        issuer: typeof identity.claims.iss === 'string' ? identity.claims.iss : oidc.settings.issuer.href,
        subject: identity.subject,
        idToken: identity.idToken,
      });
      log.info({ sessionId: session.row.id, subject: identity.subject, role: decision.role }, 'console sign-in through OIDC');
      setSessionCookie(res, token, session.row.expires_at, secure(req));
      res.set('Cache-Control', 'no-store').redirect(303, saved.returnTo);
    } catch (err) {
      log.error({ err }, 'OIDC sign-in failed');
      toSignIn(res, 'failed', saved.returnTo);
    }
  });

  return router;
}
