import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MailingRow, MailingUpdate } from './database';

// Drafts: mailings rows with status 'draft' and no workflow. Every write here is conditional on the status, so a
// draft scheduled meanwhile is never changed as if it still were one.

export const isDraft = (m: Pick<MailingRow, 'status'>): boolean => m.status === 'draft';

/** Changes a draft's fields (no workflow involved); undefined when the row is not (or no longer) a draft. */
export async function updateDraft(db: Executor, id: number, patch: MailingUpdate): Promise<MailingRow | undefined> {
  return db
    .updateTable('mailings')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst();
}

/** draft -> scheduled (with new times when given); undefined when the row is not (or no longer) a draft. */
export async function markDraftScheduled(db: Executor, id: number, times: { starts_at?: string; ends_at?: string }): Promise<MailingRow | undefined> {
  return db
    .updateTable('mailings')
    .set({ ...times, status: 'scheduled', updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .returningAll()
    .executeTakeFirst();
}

/** Undoes markDraftScheduled when its workflow could not be started: the mailing is a draft again, as it was. */
export async function revertToDraft(db: Executor, previous: MailingRow): Promise<void> {
  await db
    .updateTable('mailings')
    .set({ status: 'draft', starts_at: previous.starts_at, ends_at: previous.ends_at, updated_at: sql<Date>`now()` })
    .where('id', '=', previous.id)
    .where('status', '=', 'scheduled')
    .execute();
}
