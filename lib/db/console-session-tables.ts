import type { Generated, Selectable } from 'kysely';
import type { CreatedAt, Defaulted, Timestamp } from './column-types';
import type { Role } from './database';

/** How a console session was made: an API key exchanged at POST /session, or an OIDC sign-in. */
export type ConsoleSessionMethod = 'api_key' | 'oidc';

/** See migrations/2026-12-03T1800-console-sessions.ts. */
export interface ConsoleSessionTable {
  id: Generated<number>;
  /** SHA-256 (hex) of the cookie's token; the token itself is never stored. */
  token_hash: string;
  principal_name: string;
  role: Role;
  email: string | null;
  method: ConsoleSessionMethod;
  /** The API key it was made from (the session ends when the key is revoked). */
  api_key_id: number | null;
  /** Made from the bootstrap admin key: that key's SHA-256, so a new ADMIN_API_KEY ends the session. */
  bootstrap_key_hash: string | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  /** The OIDC ID token (SecretBox-sealed), the id_token_hint of RP-initiated logout. */
  sealed_id_token: string | null;
  created_at: CreatedAt;
  last_seen_at: Defaulted<Date>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ConsoleSessionTables {
  console_sessions: ConsoleSessionTable;
}

export type ConsoleSessionRow = Selectable<ConsoleSessionTable>;
