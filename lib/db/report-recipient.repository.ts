import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ReportRecipientRow } from './report-tables';

/** Recipients of the daily report, oldest first. At most `limit` (the API caps the list far above any real use). */
export async function listReportRecipients(db: Executor, limit = 1_000): Promise<ReportRecipientRow[]> {
  return db.selectFrom('report_recipients').selectAll().orderBy('id').limit(limit).execute();
}

/** Adds a recipient; null when the address is already on the list (compared case-insensitively). */
export async function insertReportRecipient(db: Executor, r: { email: string; name: string | null }): Promise<ReportRecipientRow | null> {
  const row = await db
    .insertInto('report_recipients')
    .values({ email: r.email, name: r.name })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export async function deleteReportRecipient(db: Executor, id: number): Promise<boolean> {
  const r = await db.deleteFrom('report_recipients').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countReportRecipients(db: Executor): Promise<number> {
  const row = await db.selectFrom('report_recipients').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
