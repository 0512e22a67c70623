import { sql } from 'kysely';
import { emptyCounts } from '../status-counts';
import type { Executor } from './connect';
import type { MailingFilter, MailingStatus, MessageStatus, StatusCounts } from './database';

export type { StatusCounts };

export interface ClaimedMessage {
  id: number;
  client_id: number | null;
  phone: string;
  attempts: number;
  last_error?: string | null;
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

/** Counts by status of one mailing, from the trigger-maintained mailing_message_counts (a handful of rows). */
export async function countByStatus(db: Executor, mailingId: number): Promise<StatusCounts> {
  return (await countByStatusForMailings(db, [mailingId])).get(mailingId)!;
}

/** Counts for many mailings at once: mailingId -> counts. */
export async function countByStatusForMailings(db: Executor, mailingIds: number[]): Promise<Map<number, StatusCounts>> {
  const map = new Map<number, StatusCounts>();
  for (const id of mailingIds) map.set(id, emptyCounts());
  if (mailingIds.length === 0) return map;
  const rows = await db
    .selectFrom('mailing_message_counts')
    .select(['mailing_id', 'status', 'count'])
    .where('mailing_id', 'in', mailingIds)
    .execute();
  for (const row of rows) map.get(Number(row.mailing_id))![row.status] = Number(row.count);
  return map;
}

/** Counts by status over every mailing (status filter optional), from the maintained counts. */
export async function countAllByStatus(db: Executor, mailingStatus?: MailingStatus): Promise<StatusCounts> {
  let q = db
    .selectFrom('mailing_message_counts as c')
    .select(['c.status', (eb) => eb.fn.sum<string>('c.count').as('count')])
    .groupBy('c.status');
  if (mailingStatus) q = q.innerJoin('mailings as m', 'm.id', 'c.mailing_id').where('m.status', '=', mailingStatus);
  const counts = emptyCounts();
  for (const row of await q.execute()) counts[row.status] = Number(row.count);
  return counts;
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
 * costs O(limit) however large the mailing is. Messages that used up their attempts, or whose last request may have
 * reached the provider (sending_since), are never claimed: settleDueMessages deals with them.
 */
export async function claimDueMessages(
  db: Executor,
  mailingId: number,
  timezones: string[],
  limit: number,
  leaseMs: number,
  maxAttempts: number,
): Promise<ClaimedMessage[]> {
  // Zones are read in the order given (callers rotate it, so a short window does not always favour the same zones).
  const result = await sql<ClaimedMessage>`
    WITH claimable AS MATERIALIZED (
      SELECT c.id FROM unnest(${timezones}::text[]) AS z(tz)
      CROSS JOIN LATERAL (
        SELECT id FROM messages
        WHERE mailing_id = ${mailingId} AND status = 'pending' AND timezone = z.tz AND next_attempt_at <= now()
          AND attempts < ${maxAttempts} AND sending_since IS NULL
        ORDER BY next_attempt_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED) c
      LIMIT ${limit})
    UPDATE messages m
    SET locked_until = now() + ${leaseMs} * interval '1 millisecond',
        next_attempt_at = now() + ${leaseMs} * interval '1 millisecond',
        attempts = m.attempts + 1, updated_at = now()
    FROM claimable WHERE m.id = claimable.id
    RETURNING m.id, m.client_id, m.phone, m.attempts`.execute(db);
  return result.rows.map(toClaimed);
}

const toClaimed = (r: ClaimedMessage): ClaimedMessage => ({ ...r, id: Number(r.id), client_id: r.client_id === null ? null : Number(r.client_id) });

export const UNKNOWN_AFTER_CRASH = 'no answer recorded: the request was in flight when its worker stopped';

/**
 * Due messages of these zones that cannot be claimed any more: those whose request may have reached the provider
 * before their worker died (sending_since still set when the lease ran out) become 'unknown' here and now; those
 * that used up their attempts are returned (reserved for leaseMs) for the caller to fail with a message.failed event.
 */
export async function settleDueMessages(
  db: Executor,
  mailingId: number,
  timezones: string[],
  options: { maxAttempts: number; leaseMs: number; providerDedupes: boolean },
): Promise<{ unknown: number; exhausted: ClaimedMessage[] }> {
  const { maxAttempts, leaseMs } = options;
  // A provider that dedupes by id makes a resend harmless: such messages are simply claimable again.
  const unknown = await sql`
    UPDATE messages SET sending_since = NULL, locked_until = NULL, updated_at = now(),
      status = ${options.providerDedupes ? 'pending' : 'unknown'},
      last_error = ${options.providerDedupes ? sql`last_error` : sql`${UNKNOWN_AFTER_CRASH}`}
    WHERE mailing_id = ${mailingId} AND status = 'pending' AND timezone = ANY(${timezones}::text[]) AND next_attempt_at <= now()
      AND sending_since IS NOT NULL`.execute(db);
  const exhausted = await sql<ClaimedMessage>`
    UPDATE messages SET locked_until = now() + ${leaseMs} * interval '1 millisecond',
      next_attempt_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
    WHERE id IN (
      SELECT id FROM messages
      WHERE mailing_id = ${mailingId} AND status = 'pending' AND timezone = ANY(${timezones}::text[]) AND next_attempt_at <= now()
        AND attempts >= ${maxAttempts} AND sending_since IS NULL
      FOR UPDATE SKIP LOCKED)
    RETURNING id, client_id, phone, attempts, last_error`.execute(db);
  return { unknown: options.providerDedupes ? 0 : Number(unknown.numAffectedRows ?? 0), exhausted: exhausted.rows.map(toClaimed) };
}

/** Marks claimed messages as possibly at the provider: set before their requests may start. */
export async function markInFlight(db: Executor, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('messages')
    .set({ sending_since: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

/** Records provider acceptances in one statement; returns how many were still pending. */
export async function markSent(db: Executor, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db
    .updateTable('messages')
    .set({ status: 'sent', sent_at: sql<Date>`now()`, locked_until: null, sending_since: null, last_error: null, updated_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Requests that got no usable answer (timeout, connection lost after sending, garbled 2xx): never resent blindly. */
export async function markUnknown(db: Executor, outcomes: { id: number; error: string }[]): Promise<number> {
  if (outcomes.length === 0) return 0;
  const r = await sql`
    UPDATE messages m SET status = 'unknown', locked_until = NULL, sending_since = NULL, last_error = o.error, updated_at = now()
    FROM unnest(${outcomes.map((o) => o.id)}::bigint[], ${outcomes.map((o) => o.error)}::text[]) AS o(id, error)
    WHERE m.id = o.id AND m.status = 'pending'`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function markFailed(db: Executor, id: number, error: string): Promise<boolean> {
  const r = await db
    .updateTable('messages')
    .set({ status: 'failed', locked_until: null, sending_since: null, last_error: error, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Leaves a message pending for another try in `retryInMs`; `refund` takes back the attempt (flow control, not a failure). */
export async function markRetry(db: Executor, id: number, error: string, retryInMs: number, refund = false): Promise<void> {
  await db
    .updateTable('messages')
    .set((eb) => ({
      locked_until: null,
      sending_since: null,
      last_error: error,
      next_attempt_at: sql<Date>`now() + ${retryInMs} * interval '1 millisecond'`,
      attempts: refund ? sql<number>`greatest(${eb.ref('attempts')} - 1, 0)` : eb.ref('attempts'),
      updated_at: sql<Date>`now()`,
    }))
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
      sending_since: null,
      next_attempt_at: sql<Date>`now()`,
      attempts: refund ? sql<number>`greatest(${eb.ref('attempts')} - 1, 0)` : eb.ref('attempts'),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Moves every pending message of a mailing to a final status (expired at ends_at, cancelled on cancel); one whose
 * request may have reached the provider (a worker died mid-request) becomes 'unknown' instead.
 */
export async function closePending(db: Executor, mailingId: number, status: Extract<MessageStatus, 'expired' | 'cancelled'>): Promise<number> {
  const r = await sql`
    UPDATE messages SET status = CASE WHEN sending_since IS NULL THEN ${status} ELSE 'unknown' END,
      last_error = CASE WHEN sending_since IS NULL THEN last_error ELSE ${UNKNOWN_AFTER_CRASH} END,
      locked_until = NULL, sending_since = NULL, updated_at = now()
    WHERE mailing_id = ${mailingId} AND status = 'pending'`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function cancelPendingForClient(db: Executor, clientId: number): Promise<number> {
  const r = await sql`
    UPDATE messages SET status = CASE WHEN sending_since IS NULL THEN 'cancelled' ELSE 'unknown' END,
      last_error = CASE WHEN sending_since IS NULL THEN 'client deleted' ELSE ${UNKNOWN_AFTER_CRASH} END,
      locked_until = NULL, sending_since = NULL, updated_at = now()
    WHERE client_id = ${clientId} AND status = 'pending'`.execute(db);
  return Number(r.numAffectedRows ?? 0);
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
