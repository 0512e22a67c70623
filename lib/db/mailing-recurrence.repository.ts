import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MailingRow, NewMailing } from './database';
import type { MailingRecurrenceRow, MailingRecurrenceUpdate, NewMailingRecurrence } from './mailing-recurrence-tables';

export async function insertRecurrence(db: Executor, recurrence: NewMailingRecurrence): Promise<MailingRecurrenceRow> {
  return db.insertInto('mailing_recurrences').values(recurrence).returningAll().executeTakeFirstOrThrow();
}

export async function findRecurrence(db: Executor, id: number): Promise<MailingRecurrenceRow | undefined> {
  return db.selectFrom('mailing_recurrences').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRecurrences(db: Executor, f: { cursor?: number; limit: number }): Promise<MailingRecurrenceRow[]> {
  let q = db.selectFrom('mailing_recurrences').selectAll();
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function updateRecurrence(db: Executor, id: number, patch: MailingRecurrenceUpdate): Promise<MailingRecurrenceRow | undefined> {
  return db
    .updateTable('mailing_recurrences')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the recurrence; its occurrences' mailings stay (their recurrence_id becomes null). */
export async function deleteRecurrence(db: Executor, id: number): Promise<boolean> {
  const r = await db.deleteFrom('mailing_recurrences').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findOccurrence(db: Executor, recurrenceId: number, occurrenceAt: Date): Promise<MailingRow | undefined> {
  return db.selectFrom('mailings').selectAll().where('recurrence_id', '=', recurrenceId).where('occurrence_at', '=', occurrenceAt).executeTakeFirst();
}

/**
 * The mailing of one fire time: inserted once, whoever asks how often (the unique index on recurrence_id +
 * occurrence_at); a second call returns the row the first made, with `created: false`.
 */
export async function insertOccurrence(
  db: Executor,
  mailing: NewMailing & { recurrence_id: number; occurrence_at: Date },
): Promise<{ row: MailingRow; created: boolean }> {
  const inserted = await db
    .insertInto('mailings')
    .values(mailing)
    .onConflict((oc) => oc.columns(['recurrence_id', 'occurrence_at']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await findOccurrence(db, mailing.recurrence_id, mailing.occurrence_at);
  if (!existing) throw new Error(`occurrence ${mailing.recurrence_id}@${mailing.occurrence_at.toISOString()} conflicted but was not found`);
  return { row: existing, created: false };
}

/** The mailings a recurrence created, in id order (cursor pagination). */
export async function listOccurrences(db: Executor, recurrenceId: number, f: { cursor?: number; limit: number }): Promise<MailingRow[]> {
  let q = db.selectFrom('mailings').selectAll().where('recurrence_id', '=', recurrenceId);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}
