import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ReportAddress } from './report-tables';

/** A report day as stored: claimed, and sent once sentAt is set. */
export interface DailyReportRecord {
  date: string;
  timezone: string;
  claimedBy: string | null;
  claimedUntil: Date | null;
  sentAt: Date | null;
  messageId: string | null;
  recipients: ReportAddress[];
  deliveredTo: string | null;
}

export async function findDailyReport(db: Executor, date: string): Promise<DailyReportRecord | null> {
  const row = await db
    .selectFrom('daily_reports')
    .select([
      sql<string>`report_date::text`.as('date'),
      'timezone', 'claimed_by', 'claimed_until', 'sent_at', 'message_id', 'recipients', 'delivered_to',
    ])
    .where('report_date', '=', date)
    .executeTakeFirst();
  if (!row) return null;
  return {
    date: row.date,
    timezone: row.timezone,
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    sentAt: row.sent_at,
    messageId: row.message_id,
    recipients: row.recipients,
    deliveredTo: row.delivered_to,
  };
}

/**
 * Claims the day for `holder` before its report is sent: 'claimed' when the day is unsent and free (no claim, the
 * holder's own claim again — a retried activity — or a claim whose lease ran out: its sender died); 'sent' when the
 * day's report went out already; 'held' while another sender's claim is alive.
 */
export async function claimDailyReport(
  db: Executor,
  c: { date: string; timezone: string; holder: string; leaseMs: number },
): Promise<'claimed' | 'sent' | 'held'> {
  const claimed = await sql<{ report_date: string }>`
    INSERT INTO daily_reports AS r (report_date, timezone, claimed_by, claimed_until)
    VALUES (${c.date}::date, ${c.timezone}, ${c.holder}, now() + make_interval(secs => ${c.leaseMs / 1000}))
    ON CONFLICT (report_date) DO UPDATE
      SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until, timezone = EXCLUDED.timezone, updated_at = now()
      WHERE r.sent_at IS NULL AND (r.claimed_by IS NULL OR r.claimed_by = EXCLUDED.claimed_by OR r.claimed_until < now())
    RETURNING report_date::text`.execute(db);
  if (claimed.rows.length > 0) return 'claimed';
  const existing = await findDailyReport(db, c.date);
  return existing?.sentAt ? 'sent' : 'held';
}

/** Gives an unsent day back after a failed send, so the next sender need not wait for the lease. */
export async function releaseDailyReport(db: Executor, date: string, holder: string): Promise<void> {
  await sql`
    UPDATE daily_reports SET claimed_by = NULL, claimed_until = NULL, updated_at = now()
    WHERE report_date = ${date}::date AND claimed_by = ${holder} AND sent_at IS NULL`.execute(db);
}

/** Records the send: from now on the day is never sent again. */
export async function markDailyReportSent(
  db: Executor,
  s: { date: string; holder: string; messageId: string; recipients: ReportAddress[]; deliveredTo: string },
): Promise<void> {
  await sql`
    UPDATE daily_reports
    SET sent_at = now(), message_id = ${s.messageId}, recipients = ${JSON.stringify(s.recipients)}::jsonb,
        delivered_to = ${s.deliveredTo}, claimed_until = NULL, updated_at = now()
    WHERE report_date = ${s.date}::date AND sent_at IS NULL`.execute(db);
}
