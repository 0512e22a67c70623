import { sql } from 'kysely';
import { emptyCounts } from '../status-counts';
import type { Executor } from './connect';
import type { MailingFilter, MessageStatus, StatusCounts } from './database';

export type { StatusCounts };

export interface ClaimedMessage {
  id: number;
  client_id: number | null;
  phone: string;
  attempts: number;
}

/** Creates one pending message per matching client; the (mailing, client) unique key makes it idempotent. */
export async function materializeMessages(db: Executor, mailingId: number, filter: MailingFilter): Promise<number> {
  const codes = filter.operatorCodes;
  const tags = filter.tags;
  const result = await sql`
    INSERT INTO messages (mailing_id, client_id, phone, timezone)
    SELECT ${mailingId}, c.id, c.phone, c.timezone FROM clients c
    WHERE (${codes.length === 0} OR c.operator_code = ANY(${codes}::text[]))
      AND (${tags.length === 0} OR c.tag = ANY(${tags}::text[]))
    ON CONFLICT (mailing_id, client_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function countByStatus(db: Executor, mailingId: number): Promise<StatusCounts> {
  const rows = await db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('mailing_id', '=', mailingId)
    .groupBy('status')
    .execute();
  const counts = emptyCounts();
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** Counts for many mailings at once: mailingId -> counts (indexed group by). */
export async function countByStatusForMailings(db: Executor, mailingIds: number[]): Promise<Map<number, StatusCounts>> {
  const map = new Map<number, StatusCounts>();
  for (const id of mailingIds) map.set(id, emptyCounts());
  if (mailingIds.length === 0) return map;
  const rows = await db
    .selectFrom('messages')
    .select(['mailing_id', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('mailing_id', 'in', mailingIds)
    .groupBy(['mailing_id', 'status'])
    .execute();
  for (const row of rows) map.get(row.mailing_id)![row.status] = Number(row.count);
  return map;
}

export async function pendingTimezones(db: Executor, mailingId: number) {
  // Waits are returned relative (ms from now) so the workflow's clock never has to agree with the database's.
  // A claimed message's next_attempt_at is its lease expiry, so "due" needs no look at locked_until.
  const rows = await sql<{ timezone: string; pending: number; due: number; due_in_ms: number | null }>`
    SELECT timezone,
           count(*)::int AS pending,
           (count(*) FILTER (WHERE next_attempt_at <= now()))::int AS due,
           (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS due_in_ms
    FROM messages WHERE mailing_id = ${mailingId} AND status = 'pending'
    GROUP BY timezone ORDER BY timezone`.execute(db);
  return rows.rows.map((row) => ({
    timezone: row.timezone,
    pending: Number(row.pending),
    due: Number(row.due),
    dueInMs: row.due_in_ms === null ? null : Math.max(0, Math.ceil(Number(row.due_in_ms))),
  }));
}

/**
 * Reserves up to `limit` due messages of these zones for leaseMs and counts the attempt. The lease is written as
 * next_attempt_at too: a claimed message is simply not due until its lease runs out (a crashed worker's claims come
 * back by themselves). Each zone is read through the pending (mailing, timezone, next_attempt_at) index, so a claim
 * costs O(limit) however large the mailing is.
 */
export async function claimDueMessages(
  db: Executor,
  mailingId: number,
  timezones: string[],
  limit: number,
  leaseMs: number,
): Promise<ClaimedMessage[]> {
  // Zones are read in the order given (callers rotate it, so a short window does not always favour the same zones).
  const result = await sql<ClaimedMessage>`
    WITH claimable AS MATERIALIZED (
      SELECT c.id FROM unnest(${timezones}::text[]) AS z(tz)
      CROSS JOIN LATERAL (
        SELECT id FROM messages
        WHERE mailing_id = ${mailingId} AND status = 'pending' AND timezone = z.tz AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED) c
      LIMIT ${limit})
    UPDATE messages m
    SET locked_until = now() + ${leaseMs} * interval '1 millisecond',
        next_attempt_at = now() + ${leaseMs} * interval '1 millisecond',
        attempts = m.attempts + 1, updated_at = now()
    FROM claimable WHERE m.id = claimable.id
    RETURNING m.id, m.client_id, m.phone, m.attempts`.execute(db);
  return result.rows.map((r) => ({ ...r, id: Number(r.id), client_id: r.client_id === null ? null : Number(r.client_id) }));
}

/** Records provider acceptances in one statement; returns how many were still pending. */
export async function markSent(db: Executor, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db
    .updateTable('messages')
    .set({ status: 'sent', sent_at: sql<Date>`now()`, locked_until: null, last_error: null, updated_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function markFailed(db: Executor, id: number, error: string): Promise<boolean> {
  const r = await db
    .updateTable('messages')
    .set({ status: 'failed', locked_until: null, last_error: error, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function markRetry(db: Executor, id: number, error: string, retryInMs: number): Promise<void> {
  await db
    .updateTable('messages')
    .set({
      locked_until: null,
      last_error: error,
      next_attempt_at: sql<Date>`now() + ${retryInMs} * interval '1 millisecond'`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Gives claimed messages back; `refund` also takes back the attempt (the provider, not the message, was at fault). */
export async function releaseMessages(db: Executor, ids: number[], refund: boolean): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('messages')
    .set((eb) => ({
      locked_until: null,
      next_attempt_at: sql<Date>`now()`,
      attempts: refund ? sql<number>`greatest(${eb.ref('attempts')} - 1, 0)` : eb.ref('attempts'),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

/** Moves every pending message of a mailing to a final status (expired at ends_at, cancelled on cancel). */
export async function closePending(db: Executor, mailingId: number, status: Extract<MessageStatus, 'expired' | 'cancelled'>): Promise<number> {
  const r = await db
    .updateTable('messages')
    .set({ status, locked_until: null, updated_at: sql<Date>`now()` })
    .where('mailing_id', '=', mailingId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function cancelPendingForClient(db: Executor, clientId: number): Promise<number> {
  const r = await db
    .updateTable('messages')
    .set({ status: 'cancelled', locked_until: null, last_error: 'client deleted', updated_at: sql<Date>`now()` })
    .where('client_id', '=', clientId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface MessageListFilter {
  mailingId: number;
  status?: MessageStatus;
  cursor?: number;
  limit: number;
}

export async function listMessages(db: Executor, f: MessageListFilter) {
  let q = db.selectFrom('messages').selectAll().where('mailing_id', '=', f.mailingId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}
