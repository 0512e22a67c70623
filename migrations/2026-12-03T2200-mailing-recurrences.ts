import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Recurring mailings: a recurrence is the template of a mailing (text, filter, send window) plus when it repeats.
// Its Temporal Schedule (relay-mailing-recurrence-<id>) creates one ordinary mailing per fire time.
// - cron + timezone: the effective schedule (the "every day at HH:MM for N days" form stores its derived cron and
//   keeps every_day_at and days, which set the end of the Schedule).
// - occurrence_minutes: each occurrence's mailing runs from its fire time for this long.
// - mailings.recurrence_id + occurrence_at: the occurrence a mailing was created for. The unique index makes creating
//   an occurrence idempotent (a retried activity finds the mailing of its fire time). Deleting a recurrence keeps its
//   mailings (recurrence_id becomes null).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mailing_recurrences')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('filter', 'jsonb', (c) => c.notNull().defaultTo(sql`'{"operatorCodes":[],"tags":[]}'::jsonb`))
    .addColumn('send_window', 'jsonb')
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('every_day_at', 'text')
    .addColumn('days', 'integer')
    .addColumn('starts_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('occurrence_minutes', 'integer', (c) => c.notNull())
    .addColumn('paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('mailing_recurrences_daily_form', sql`(every_day_at IS NULL) = (days IS NULL)`)
    .addCheckConstraint('mailing_recurrences_duration', sql`occurrence_minutes > 0`)
    .addCheckConstraint('mailing_recurrences_ends_after_start', sql`starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at`)
    .execute();

  await db.schema
    .alterTable('mailings')
    .addColumn('recurrence_id', 'bigint', (c) => c.references('mailing_recurrences.id').onDelete('set null'))
    .addColumn('occurrence_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('mailings_recurrence_occurrence_unique').on('mailings').columns(['recurrence_id', 'occurrence_at']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mailings_recurrence_occurrence_unique').ifExists().execute();
  await db.schema.alterTable('mailings').dropColumn('recurrence_id').dropColumn('occurrence_at').execute();
  await db.schema.dropTable('mailing_recurrences').ifExists().execute();
}
