import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { hashApiKey, type Principal } from '../auth';
import { ServiceUnavailableError } from '../errors';
import { defineRoute } from '../route';
import { SessionSchema, SignInBody, SignOutSchema } from '../schemas/session.schemas';
import type { ConsoleAuth } from '../session/console-auth';
import type { ResolvedSession } from '../session/console-sessions';
import { clearSessionCookie, isSecure, setSessionCookie } from '../session/cookies';
import { WrongApiKeyError } from '../session/errors';
import { postLogoutRedirectUri } from '../session/public-origin';
import type { z } from '../openapi';

export const OIDC_LOGIN_PATH = '/auth/oidc/login';

/** The answer of GET and POST /session: who the caller is, and how one signs in. */
function presentSession(auth: ConsoleAuth, principal: Principal | undefined, session: ResolvedSession | undefined): z.infer<typeof SessionSchema> {
  return {
    authenticated: principal !== undefined,
    ...(principal
      ? { principal: { name: principal.name, role: principal.role, ...(principal.session?.email ? { email: principal.session.email } : {}) } }
      : {}),
    ...(session ? { csrf_token: session.csrfToken, expires_at: session.expiresAt.toISOString() } : {}),
    methods: { api_key: true, oidc: auth.oidc !== undefined },
    ...(auth.oidc ? { oidc_login_url: OIDC_LOGIN_PATH } : {}),
    ...(auth.settings.temporalUiUrl ? { temporal_ui_url: auth.settings.temporalUiUrl } : {}),
  };
}

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');
const currentSession = (res: Response) => res.locals.session as ResolvedSession | undefined;

/**
 * The console's session: read it (anyone), sign in with an API key, sign out. Public paths (authenticate lets callers
 * without credentials through to them); a session cookie's writes still need the CSRF token. `countAuthFailures` is
 * the failed-authentication limiter: a wrong key here counts towards the address's lockout as one in a header does.
 */
export function sessionRoutes(auth: ConsoleAuth, registry: OpenAPIRegistry, countAuthFailures: ErrorRequestHandler): Router {
  const router = Router();
  const tag = 'Console session';
  const secure = (req: Request) => isSecure(req, auth.settings.publicUrl);

  defineRoute(router, registry, {
    method: 'get', path: '/session', tag, role: 'public',
    summary: 'Who is signed in (console session cookie or API key), the CSRF token of a console session, and how to sign in',
    response: { status: 200, schema: SessionSchema, description: 'The session (authenticated false when there is none)' },
    errors: [401],
    handler: async ({ req, res }) => {
      noStore(res);
      if (res.locals.sessionEnded) clearSessionCookie(res, secure(req));
      return presentSession(auth, res.locals.principal as Principal | undefined, currentSession(res));
    },
  });

  defineRoute(router, registry, {
    method: 'post', path: '/session', tag, role: 'public',
    summary: 'Sign in to the console with an API key: sets the session cookie (relay_session: HttpOnly, SameSite=Lax, Secure over https)',
    body: SignInBody,
    response: { status: 201, schema: SessionSchema, description: 'Signed in; the cookie is set and csrf_token is in the answer' },
    errors: [401, 403],
    handler: async ({ body, req, res }) => {
      noStore(res);
      const principal = await auth.checkKey(body.api_key).catch((err: unknown) => {
        throw new ServiceUnavailableError('The API key could not be checked: the database is unavailable.', err);
      });
      if (!principal) throw new WrongApiKeyError();
      const previous = currentSession(res);
      if (previous) await auth.sessions.revoke(previous.row.id);
      const bootstrapKeyHash = principal.keyId === null ? hashApiKey(body.api_key) : null;
      const { token, session } = await auth.sessions.create({ method: 'api_key', principal, bootstrapKeyHash });
      setSessionCookie(res, token, session.row.expires_at, secure(req));
      return presentSession(auth, session.principal, session);
    },
  });

  defineRoute(router, registry, {
    method: 'delete', path: '/session', tag, role: 'public',
    summary: "Sign out: ends the console session and clears its cookie; logout_url ends the OIDC issuer's session too",
    response: { status: 200, schema: SignOutSchema, description: 'Signed out (also when there was no session)' },
    errors: [401, 403],
    handler: async ({ req, res }) => {
      noStore(res);
      const session = currentSession(res);
      clearSessionCookie(res, secure(req));
      if (!session) return {};
      await auth.sessions.revoke(session.row.id);
      if (session.row.method !== 'oidc' || !auth.oidc) return {};
      const logoutUrl = await auth.oidc
        .logoutUrl(auth.sessions.idToken(session.row), postLogoutRedirectUri(req, auth.settings.publicUrl))
        .catch((err: unknown) => {
          auth.logger.warn({ err }, 'no OIDC logout URL: the issuer could not be reached');
          return undefined;
        });
      return logoutUrl ? { logout_url: logoutUrl } : {};
    },
  });

  // After the routes: a wrong key at POST /session (an UnauthorizedError) is counted like one in a header.
  router.use(countAuthFailures);
  return router;
}
