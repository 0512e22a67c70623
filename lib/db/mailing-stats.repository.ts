import { sql } from 'kysely';
import type { Executor } from './connect';
import { MAILING_STATUSES, type MailingStatus } from './database';

/** Mailings by status, all of them or those created in [from, to) (a range scan of mailings_created_idx). */
export async function countMailingsByStatus(db: Executor, created: { from?: Date; to?: Date } = {}): Promise<Record<MailingStatus, number>> {
  const from = created.from ? sql`AND created_at >= ${created.from}` : sql``;
  const to = created.to ? sql`AND created_at < ${created.to}` : sql``;
  const result = await sql<{ status: MailingStatus; n: string }>`
    SELECT status, count(*) AS n FROM mailings WHERE true ${from} ${to} GROUP BY status`.execute(db);
  const counts = Object.fromEntries(MAILING_STATUSES.map((s) => [s, 0])) as Record<MailingStatus, number>;
  for (const row of result.rows) counts[row.status] = Number(row.n);
  return counts;
}
