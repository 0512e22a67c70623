/**
 * A real OpenID Connect provider for tests (the `oidc-provider` package, as organisations run it), on a free port of
 * 127.0.0.1, with one client and the users you give it. Sign-in is a plain HTML form that both a fetch-based client
 * and a browser can fill:
 *
 *   const idp = await startOidcProvider({
 *     redirectUris: [`${apiOrigin}/auth/oidc/callback`],
 *     postLogoutRedirectUris: [`${apiOrigin}/console/`],
 *     users: [{ login: 'ada', email: 'ada@example.com', groups: ['relay-admins'] }],
 *   });
 *   // stack config: OIDC_ISSUER_URL=idp.issuer, OIDC_CLIENT_ID=idp.clientId, OIDC_CLIENT_SECRET=idp.clientSecret
 *   ...
 *   await idp.close();
 *
 * The login page (GET /interaction/<uid>) is a form labelled "Sign in to the test provider" with the fields
 * `Username` (name="login") and `Password` (name="password"; each user's `password`, 'secret' by default), and the
 * buttons "Sign in" and "Cancel" (which answers the client with error=access_denied). A wrong password shows the
 * form again with "Wrong username or password." Consent is granted without asking. A second sign-in in the same
 * browser while the provider still remembers the user skips the form (prompt=login forces it).
 *
 * Claims: `sub` (the user's `sub`, else its login), scope `email` → email, email_verified (true unless said
 * otherwise), scope `profile` → name, groups; scope `groups` → groups. By default the ID token carries every claim its
 * scopes grant; `claimsInIdToken: false` leaves them to the userinfo endpoint only (as many issuers do), so the
 * client must fetch them there. RP-initiated logout (end_session_endpoint) is on, PKCE (S256) is required.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Provider, { type Configuration, type InteractionResults, type JWK } from 'oidc-provider';

export interface OidcTestUser {
  /** What to type as Username. */
  login: string;
  /** Default 'secret'. */
  password?: string;
  /** The subject; default the login. */
  sub?: string;
  email?: string;
  /** Default true (when there is an email). */
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export interface OidcProviderOptions {
  /** The client's registered redirect URIs (exact match), e.g. `${api}/auth/oidc/callback`. */
  redirectUris: string[];
  /** Where RP-initiated logout may send the browser back to, e.g. `${api}/console/`. */
  postLogoutRedirectUris?: string[];
  users: OidcTestUser[];
  /** Default 'relay-console'. */
  clientId?: string;
  /** Default a random secret; null registers a public client (no secret; PKCE only). */
  clientSecret?: string | null;
  /** Put the scopes' claims in the ID token (default true), or only behind the userinfo endpoint (false). */
  claimsInIdToken?: boolean;
  /** Default 0: any free port. */
  port?: number;
}

export interface OidcTestProvider {
  /** The issuer identifier, e.g. http://127.0.0.1:41234 (discovery at /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  /** undefined for a public client. */
  clientSecret: string | undefined;
  /** The users as configured (handy to know the default password). */
  users: Required<Pick<OidcTestUser, 'login' | 'password'>>[];
  close(): Promise<void>;
}

export const DEFAULT_TEST_PASSWORD = 'secret';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function loginPage(uid: string, clientId: string, error?: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Test identity provider</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>Test identity provider</h1>
<p>Signing in to <strong>${escapeHtml(clientId)}</strong>.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" aria-label="Sign in to the test provider">
<p><label>Username <input name="login" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"></label></p>
<p><button type="submit">Sign in</button> <button type="submit" name="cancel" value="1" formnovalidate>Cancel</button></p>
</form>
</main>
</body>
</html>`;
}

/** Starts the provider; see the file's comment for what it serves. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcTestProvider> {
  const clientId = options.clientId ?? 'relay-console';
  const clientSecret = options.clientSecret === null ? undefined : (options.clientSecret ?? randomBytes(24).toString('base64url'));
  const users = options.users.map((u) => ({ ...u, password: u.password ?? DEFAULT_TEST_PASSWORD, sub: u.sub ?? u.login }));
  const bySub = new Map(users.map((u) => [u.sub, u]));

  // The issuer must be known before the provider is made, and it holds the port: listen first, then attach.
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : { token_endpoint_auth_method: 'none' }),
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: options.claimsInIdToken === false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Session: 3600, Grant: 3600, Interaction: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 3600 },
    async findAccount(_ctx, sub) {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(user.email ? { email: user.email, email_verified: user.emailVerified ?? true } : {}),
            ...(user.name ? { name: user.name } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
          };
        },
      };
    },
  };
  const provider = new Provider(issuer, configuration);

  /** Login plus a grant of everything asked for (no consent screen). */
  async function finish(req: express.Request, res: express.Response, accountId: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('grant vanished');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const result: InteractionResults = { login: { accountId }, consent: { grantId: await grant.save() } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        res.type('html').send(loginPage(details.uid, String(details.params.client_id)));
        return;
      }
      // Only consent is missing (the user signed in before): grant it silently.
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error(`prompt ${details.prompt.name} without a session`);
      await finish(req, res, accountId);
    } catch (err) {
      next(err);
    }
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
    try {
      const body = req.body as Record<string, string | undefined>;
      if (body.cancel) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
        return;
      }
      const user = users.find((u) => u.login === body.login && u.password === (body.password ?? ''));
      if (!user) {
        const details = await provider.interactionDetails(req, res);
        res.status(200).type('html').send(loginPage(details.uid, String(details.params.client_id), 'Wrong username or password.'));
        return;
      }
      await finish(req, res, user.sub);
    } catch (err) {
      next(err);
    }
  });
  app.use(provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    users: users.map((u) => ({ login: u.login, password: u.password })),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
