import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// The daily statistics e-mail:
// 1. report_recipients: who receives it, managed through the API; one row per address (case-insensitive).
// 2. daily_reports: one row per report day, the idempotency key of the send. A sender claims the day (claimed_by,
//    claimed_until) before talking to SMTP and sets sent_at once the server accepted the message; a day with sent_at
//    is never sent again, even after Temporal has forgotten the workflow that sent it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_recipients')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE UNIQUE INDEX report_recipients_email_unique ON report_recipients (lower(email))`.execute(db);

  await db.schema
    .createTable('daily_reports')
    .addColumn('report_date', 'date', (c) => c.primaryKey())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('message_id', 'text')
    .addColumn('recipients', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('delivered_to', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('daily_reports').ifExists().execute();
  await db.schema.dropTable('report_recipients').ifExists().execute();
}
