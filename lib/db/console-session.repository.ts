import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ConsoleSessionMethod, ConsoleSessionRow } from './console-session-tables';
import type { Role } from './database';

export interface NewConsoleSession {
  tokenHash: string;
  principalName: string;
  role: Role;
  email: string | null;
  method: ConsoleSessionMethod;
  apiKeyId?: number | null;
  bootstrapKeyHash?: string | null;
  oidcIssuer?: string | null;
  oidcSubject?: string | null;
  sealedIdToken?: string | null;
  expiresAt: Date;
}

export async function insertConsoleSession(db: Executor, s: NewConsoleSession): Promise<ConsoleSessionRow> {
  return db
    .insertInto('console_sessions')
    .values({
      token_hash: s.tokenHash,
      principal_name: s.principalName,
      role: s.role,
      email: s.email,
      method: s.method,
      api_key_id: s.apiKeyId ?? null,
      bootstrap_key_hash: s.bootstrapKeyHash ?? null,
      oidc_issuer: s.oidcIssuer ?? null,
      oidc_subject: s.oidcSubject ?? null,
      sealed_id_token: s.sealedIdToken ?? null,
      expires_at: s.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The live sessions: not revoked, before their absolute end, used within the idle time, and (when made from an API
 * key) that key not revoked. Whether a bootstrap-key session still matches ADMIN_API_KEY is the caller's check.
 */
function liveSessions(db: Executor, idleMinutes: number) {
  return db
    .selectFrom('console_sessions as s')
    .leftJoin('api_keys as k', 'k.id', 's.api_key_id')
    .selectAll('s')
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .where((eb) => eb.or([eb('s.api_key_id', 'is', null), eb('k.revoked_at', 'is', null)]));
}

export async function findLiveConsoleSession(db: Executor, tokenHash: string, idleMinutes: number): Promise<ConsoleSessionRow | undefined> {
  return liveSessions(db, idleMinutes).where('s.token_hash', '=', tokenHash).executeTakeFirst();
}

/** Live sessions in id order, a page after `cursor`. */
export async function listLiveConsoleSessions(db: Executor, idleMinutes: number, page: { limit: number; cursor?: number }): Promise<ConsoleSessionRow[]> {
  return liveSessions(db, idleMinutes)
    .$if(page.cursor !== undefined, (q) => q.where('s.id', '>', page.cursor!))
    .orderBy('s.id')
    .limit(page.limit)
    .execute();
}

/** Records use; callers throttle it (a write per request would be a write per page load). */
export async function touchConsoleSession(db: Executor, id: number): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

/** Revokes a session that is not revoked yet; false when there was none. */
export async function revokeConsoleSession(db: Executor, id: number): Promise<boolean> {
  const r = await db
    .updateTable('console_sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Deletes up to `batch` ended sessions (revoked, past their absolute end, idle too long, or their API key revoked);
 * returns how many. Ended rows are of no use: their cookie no longer signs in, and the admin list shows live ones.
 */
export async function deleteEndedConsoleSessions(db: Executor, idleMinutes: number, batch: number): Promise<number> {
  const ended = db
    .selectFrom('console_sessions as s')
    .select('s.id')
    .where((eb) =>
      eb.or([
        eb('s.revoked_at', 'is not', null),
        eb('s.expires_at', '<=', sql<Date>`now()`),
        eb('s.last_seen_at', '<=', sql<Date>`now() - make_interval(mins => ${idleMinutes})`),
        eb.exists(eb.selectFrom('api_keys as k').select('k.id').whereRef('k.id', '=', 's.api_key_id').where('k.revoked_at', 'is not', null)),
      ]),
    )
    .limit(batch);
  const r = await db.deleteFrom('console_sessions').where('id', 'in', ended).executeTakeFirst();
  return Number(r.numDeletedRows);
}
