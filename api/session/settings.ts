import { hkdfSync } from 'node:crypto';
import { requireSetting, type Config } from '../../lib/config';
import { SecretBox } from '../../lib/crypto/secret-box';
import type { Role } from '../../lib/db/database';

export interface SessionLifetimes {
  /** A session ends after this many minutes without a request... */
  idleMinutes: number;
  /** ...and this many hours after it was made in any case. */
  maxHours: number;
}

export interface RoleRules {
  /** The claim (or dotted path into the claims) holding the user's groups or roles. */
  claim: string;
  /** Claim values giving each role; the highest role with a match wins. */
  values: Record<Role, string[]>;
  /** Lower-case e-mail domains allowed to sign in (with a verified e-mail); empty: any. */
  allowedEmailDomains: string[];
}

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** undefined: a public client (PKCE only). */
  clientSecret: string | undefined;
  scopes: string;
  /** Fixed redirect URI (OIDC_REDIRECT_URL); else `<public origin>/auth/oidc/callback`. */
  redirectUrl: URL | undefined;
  roles: RoleRules;
}

export interface ConsoleAuthSettings {
  lifetimes: SessionLifetimes;
  /** CONSOLE_PUBLIC_URL: the console's origin; undefined: each request's own (protocol per TRUST_PROXY, Host). */
  publicUrl: URL | undefined;
  temporalUiUrl: string | undefined;
  oidc: OidcSettings | undefined;
  /** Seals OIDC ID tokens at rest (the ENCRYPTION_KEY box). */
  secretBox: SecretBox;
  /** Seals the short-lived sign-in state cookie: a key of its own, derived from ENCRYPTION_KEY. */
  stateBox: SecretBox;
}

/** A key for one purpose derived from ENCRYPTION_KEY (HKDF-SHA256), so sealed values of one kind never open as another. */
function derivedBox(encryptionKey: string, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKey, 'base64'), Buffer.alloc(0), purpose, 32));
  return new SecretBox(key.toString('base64'));
}

export function consoleAuthSettingsFromConfig(config: Config, secretBox: SecretBox): ConsoleAuthSettings {
  const encryptionKey = requireSetting(config, 'ENCRYPTION_KEY');
  return {
    lifetimes: { idleMinutes: config.CONSOLE_SESSION_IDLE_MINUTES, maxHours: config.CONSOLE_SESSION_MAX_HOURS },
    publicUrl: config.CONSOLE_PUBLIC_URL ? new URL(config.CONSOLE_PUBLIC_URL) : undefined,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    oidc:
      config.OIDC_ISSUER_URL && config.OIDC_CLIENT_ID
        ? {
            issuer: new URL(config.OIDC_ISSUER_URL),
            clientId: config.OIDC_CLIENT_ID,
            clientSecret: config.OIDC_CLIENT_SECRET,
            scopes: config.OIDC_SCOPES.split(/\s+/).filter(Boolean).join(' '),
            redirectUrl: config.OIDC_REDIRECT_URL ? new URL(config.OIDC_REDIRECT_URL) : undefined,
            roles: {
              claim: config.OIDC_ROLE_CLAIM,
              values: { admin: config.OIDC_ADMIN_VALUES, operator: config.OIDC_OPERATOR_VALUES, viewer: config.OIDC_VIEWER_VALUES },
              allowedEmailDomains: config.OIDC_ALLOWED_EMAIL_DOMAINS,
            },
          }
        : undefined,
    secretBox,
    stateBox: derivedBox(encryptionKey, 'relay console sign-in state'),
  };
}
