import * as client from 'openid-client';
import type { OidcSettings } from './settings';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Seconds the issuer has to answer each request (discovery, token, userinfo). */
const ISSUER_TIMEOUT_S = 10;

/** What the callback learnt from the issuer. */
export interface OidcIdentity {
  subject: string;
  /** The ID token's claims, completed from the userinfo endpoint when asked. */
  claims: Record<string, unknown>;
  idToken: string | undefined;
}

/**
 * The relying party (openid-client v6): the issuer's metadata is discovered on first use and kept (a failed
 * discovery is tried again next time, so the API boots while the issuer is away); http:// issuers are allowed only
 * on this machine (config refuses others).
 */
export class OidcClient {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(readonly settings: OidcSettings) {}

  configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
    return client.discovery(
      issuer,
      clientId,
      clientSecret ? { client_secret: clientSecret } : undefined,
      clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
      { timeout: ISSUER_TIMEOUT_S, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}) },
    );
  }

  /** The authorization request: code flow, PKCE S256, state and nonce. */
  async authorizationUrl(p: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    const config = await this.configuration();
    return client.buildAuthorizationUrl(config, {
      redirect_uri: p.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(p.codeVerifier),
      code_challenge_method: 'S256',
      state: p.state,
      nonce: p.nonce,
    });
  }

  /**
   * Exchanges the code of `callbackUrl` (the redirect URI with the issuer's query) and validates the ID token
   * (signature, issuer, audience, nonce); asks the userinfo endpoint when `needsMore(claims)` says the ID token lacks
   * something. Throws on any failure.
   */
  async signIn(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
    needsMore: (claims: Record<string, unknown>) => boolean,
  ): Promise<OidcIdentity> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('the token response has no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (needsMore(claims) && config.serverMetadata().userinfo_endpoint) {
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...userinfo, ...idClaims };
    }
    return { subject: idClaims.sub, claims, idToken: tokens.id_token };
  }

  /** The RP-initiated logout URL, or undefined when the issuer has no end_session_endpoint. */
  async logoutUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return client
      .buildEndSessionUrl(config, { post_logout_redirect_uri: postLogoutRedirectUri, ...(idToken ? { id_token_hint: idToken } : {}) })
      .toString();
  }
}
