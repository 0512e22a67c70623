import type { Db } from '../../lib/db/connect';
import type { ConsoleSessionRow } from '../../lib/db/console-session-tables';
import type { Role } from '../../lib/db/database';
import {
  deleteEndedConsoleSessions,
  findLiveConsoleSession,
  insertConsoleSession,
  listLiveConsoleSessions,
  revokeConsoleSession,
  touchConsoleSession,
} from '../../lib/db/console-session.repository';
import type { SecretBox } from '../../lib/crypto/secret-box';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../auth';
import type { SessionLifetimes } from './settings';
import { csrfTokenFor, hashSessionToken, newSessionToken, sameSecret } from './tokens';

/** A live session as a request sees it. */
export interface ResolvedSession {
  row: ConsoleSessionRow;
  principal: Principal;
  csrfToken: string;
  /** When it ends unless used again: the idle end, never after the absolute end. */
  expiresAt: Date;
}

export type SessionOrigin =
  | { method: 'api_key'; principal: Principal; bootstrapKeyHash: string | null }
  | { method: 'oidc'; name: string; role: Role; email: string | null; issuer: string; subject: string; idToken: string | undefined };

const PURGE_BATCH = 500;

/**
 * Console sessions: made from an API key or an OIDC sign-in, found by the cookie's token (stored hashed), kept alive
 * by use (last_seen_at written at most once per TOUCH_EVERY), ended by idle time, absolute time, sign-out,
 * an admin's revocation or the revocation of the API key they were made from.
 *
 * Retention: each new session deletes up to PURGE_BATCH ended ones, after it is made (not in its request's way).
 * Sessions are made one per sign-in, so ended rows never outnumber sign-ins and each sign-in clears up to 500 of them:
 * the table stays at the live sessions plus a few, without a timer or a Schedule for it (a Temporal Schedule would
 * put an API concern on the worker, for a table of a few hundred rows).
 */
export class ConsoleSessions {
  private readonly touchEveryMs: number;
  private purging = false;

  constructor(
    private readonly db: Db,
    readonly lifetimes: SessionLifetimes,
    private readonly bootstrapKeyHash: string | null,
    private readonly secretBox: SecretBox,
    private readonly logger: Logger,
  ) {
    // Idle precision: a tenth of the idle time, at most a minute.
    this.touchEveryMs = Math.min(60_000, (lifetimes.idleMinutes * 60_000) / 10);
  }

  /** The live session a token names, or null (unknown, ended, or made from a bootstrap key that has changed). */
  async resolve(token: string): Promise<ResolvedSession | null> {
    const row = await findLiveConsoleSession(this.db, hashSessionToken(token), this.lifetimes.idleMinutes);
    if (!row) return null;
    if (row.bootstrap_key_hash !== null && (this.bootstrapKeyHash === null || !sameSecret(this.bootstrapKeyHash, row.bootstrap_key_hash))) return null;
    if (Date.now() - row.last_seen_at.getTime() > this.touchEveryMs) {
      row.last_seen_at = new Date();
      touchConsoleSession(this.db, row.id).catch((err: unknown) => this.logger.warn({ err, sessionId: row.id }, 'could not record console session use'));
    }
    return this.present(row, token);
  }

  /** Makes a session; the token goes in the cookie and nowhere else. */
  async create(origin: SessionOrigin): Promise<{ token: string; session: ResolvedSession }> {
    const token = newSessionToken();
    const expiresAt = new Date(Date.now() + this.lifetimes.maxHours * 3_600_000);
    const row = await insertConsoleSession(
      this.db,
      origin.method === 'api_key'
        ? {
            tokenHash: hashSessionToken(token),
            principalName: origin.principal.name,
            role: origin.principal.role,
            email: null,
            method: 'api_key',
            apiKeyId: origin.principal.keyId,
            bootstrapKeyHash: origin.principal.keyId === null ? origin.bootstrapKeyHash : null,
            expiresAt,
          }
        : {
            tokenHash: hashSessionToken(token),
            principalName: origin.name,
            role: origin.role,
            email: origin.email,
            method: 'oidc',
            oidcIssuer: origin.issuer,
            oidcSubject: origin.subject,
            sealedIdToken: origin.idToken ? this.secretBox.seal(origin.idToken) : null,
            expiresAt,
          },
    );
    this.purgeEnded();
    return { token, session: this.present(row, token) };
  }

  async revoke(id: number): Promise<boolean> {
    return revokeConsoleSession(this.db, id);
  }

  async list(page: { limit: number; cursor?: number }): Promise<ConsoleSessionRow[]> {
    return listLiveConsoleSessions(this.db, this.lifetimes.idleMinutes, page);
  }

  /** The OIDC ID token of a session (for id_token_hint), or undefined when it has none or it cannot be opened. */
  idToken(row: ConsoleSessionRow): string | undefined {
    if (!row.sealed_id_token) return undefined;
    try {
      return this.secretBox.open(row.sealed_id_token);
    } catch (err) {
      this.logger.warn({ err, sessionId: row.id }, 'the ID token of a console session cannot be opened (another ENCRYPTION_KEY?)');
      return undefined;
    }
  }

  /** The end of a session unless it is used again. */
  endOf(row: ConsoleSessionRow): Date {
    return new Date(Math.min(row.expires_at.getTime(), row.last_seen_at.getTime() + this.lifetimes.idleMinutes * 60_000));
  }

  private present(row: ConsoleSessionRow, token: string): ResolvedSession {
    return {
      row,
      principal: { keyId: row.api_key_id, name: row.principal_name, role: row.role, session: { id: row.id, email: row.email } },
      csrfToken: csrfTokenFor(token),
      expiresAt: this.endOf(row),
    };
  }

  private purgeEnded(): void {
    if (this.purging) return;
    this.purging = true;
    deleteEndedConsoleSessions(this.db, this.lifetimes.idleMinutes, PURGE_BATCH)
      .then((n) => n > 0 && this.logger.debug({ sessions: n }, 'deleted ended console sessions'))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not delete ended console sessions'))
      .finally(() => (this.purging = false));
  }
}
