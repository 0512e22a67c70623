import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MailingRow, MailingStatus, MailingUpdate, NewMailing } from './database';

/** A mailing in one of these statuses keeps it for good. */
export const FINAL_MAILING_STATUSES: readonly MailingStatus[] = ['completed', 'cancelled'];
export const isMailingFinished = (m: Pick<MailingRow, 'status'>): boolean => FINAL_MAILING_STATUSES.includes(m.status);

export async function insertMailing(db: Executor, mailing: NewMailing): Promise<MailingRow> {
  return db.insertInto('mailings').values(mailing).returningAll().executeTakeFirstOrThrow();
}

export async function findMailing(db: Executor, id: number, options: { forUpdate?: boolean } = {}): Promise<MailingRow | undefined> {
  let q = db.selectFrom('mailings').selectAll().where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export interface MailingListFilter {
  status?: MailingStatus;
  cursor?: number;
  limit: number;
}

export async function listMailings(db: Executor, f: MailingListFilter): Promise<MailingRow[]> {
  let q = db.selectFrom('mailings').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function updateMailing(db: Executor, id: number, patch: MailingUpdate): Promise<MailingRow | undefined> {
  return db
    .updateTable('mailings')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Status transitions made by the workflow; a finished mailing keeps its final status. */
export async function setMailingStatus(db: Executor, id: number, status: MailingStatus): Promise<boolean> {
  const r = await db
    .updateTable('mailings')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'not in', FINAL_MAILING_STATUSES)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteMailing(db: Executor, id: number): Promise<boolean> {
  const r = await db.deleteFrom('mailings').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
