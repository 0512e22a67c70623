import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Maintained summaries for the console's statistics, kept by the statement-level triggers on messages that already
// keep mailing_message_counts (their functions are replaced, the triggers stay; one grouped upsert per table and
// statement, every table's rows locked in key order and the tables always in the same order, so concurrent
// statements cannot deadlock on them):
// 1. message_minute_counts: messages entering a final status (sent, failed, unknown, expired, cancelled) per
//    (mailing, minute of the transition, status); time series read a few rows per minute instead of the messages.
//    Existing messages are counted at sent_at (sent) or updated_at (the others).
// 2. mailing_timezone_counts: messages and pending messages per (mailing, time zone), for the per-time-zone-group
//    state of a mailing's progress (which zones are done, which still wait for their window).
// Both lose a mailing's rows when the mailing is deleted. Plus indexes for the other statistics' range scans and
// group-bys: clients by time zone (facets), integration runs and mailings by time.
const FINAL = sql.raw(`('sent', 'failed', 'unknown', 'expired', 'cancelled')`);

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_minute_counts')
    .addColumn('mailing_id', 'bigint', (c) => c.notNull())
    .addColumn('minute', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('message_minute_counts_pk', ['mailing_id', 'minute', 'status'])
    .execute();
  // Ranges over every mailing; only the key column, so bumping a count stays a HOT update.
  await db.schema.createIndex('message_minute_counts_minute_idx').on('message_minute_counts').column('minute').execute();

  await db.schema
    .createTable('mailing_timezone_counts')
    .addColumn('mailing_id', 'bigint', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('messages', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('mailing_timezone_counts_pk', ['mailing_id', 'timezone'])
    .execute();

  await sql`
    CREATE OR REPLACE FUNCTION relay_count_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO mailing_message_counts AS c (mailing_id, status, count)
      SELECT mailing_id, status, count(*) FROM inserted_rows GROUP BY mailing_id, status ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      INSERT INTO message_minute_counts AS m (mailing_id, minute, status, count)
      SELECT mailing_id, date_trunc('minute', now()), status, count(*) FROM inserted_rows WHERE status IN ${FINAL}
      GROUP BY mailing_id, status ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, minute, status) DO UPDATE SET count = m.count + EXCLUDED.count;
      INSERT INTO mailing_timezone_counts AS z (mailing_id, timezone, messages, pending)
      SELECT mailing_id, timezone, count(*), count(*) FILTER (WHERE status = 'pending') FROM inserted_rows
      GROUP BY mailing_id, timezone ORDER BY mailing_id, timezone
      ON CONFLICT (mailing_id, timezone) DO UPDATE SET messages = z.messages + EXCLUDED.messages, pending = z.pending + EXCLUDED.pending;
      RETURN NULL;
    END $$`.execute(db);
  // Claims, leases and retries (pending to pending) net to zero everywhere and write nothing.
  await sql`
    CREATE OR REPLACE FUNCTION relay_count_updated_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO mailing_message_counts AS c (mailing_id, status, count)
      SELECT mailing_id, status, sum(delta) FROM (
        SELECT mailing_id, status, -1 AS delta FROM old_rows
        UNION ALL
        SELECT mailing_id, status, 1 AS delta FROM new_rows) changes
      GROUP BY mailing_id, status HAVING sum(delta) <> 0 ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      INSERT INTO message_minute_counts AS m (mailing_id, minute, status, count)
      SELECT mailing_id, date_trunc('minute', now()), status, sum(delta) FROM (
        SELECT mailing_id, status, -1 AS delta FROM old_rows WHERE status IN ${FINAL}
        UNION ALL
        SELECT mailing_id, status, 1 AS delta FROM new_rows WHERE status IN ${FINAL}) entered
      GROUP BY mailing_id, status HAVING sum(delta) <> 0 ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, minute, status) DO UPDATE SET count = m.count + EXCLUDED.count;
      INSERT INTO mailing_timezone_counts AS z (mailing_id, timezone, messages, pending)
      SELECT mailing_id, timezone, 0, sum(delta) FROM (
        SELECT mailing_id, timezone, -1 AS delta FROM old_rows WHERE status = 'pending'
        UNION ALL
        SELECT mailing_id, timezone, 1 AS delta FROM new_rows WHERE status = 'pending') pending
      GROUP BY mailing_id, timezone HAVING sum(delta) <> 0 ORDER BY mailing_id, timezone
      ON CONFLICT (mailing_id, timezone) DO UPDATE SET pending = z.pending + EXCLUDED.pending;
      RETURN NULL;
    END $$`.execute(db);
  // A deleted message leaves the history (message_minute_counts) as it was.
  await sql`
    CREATE OR REPLACE FUNCTION relay_count_deleted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE mailing_message_counts c SET count = c.count - d.n
      FROM (SELECT mailing_id, status, count(*) AS n FROM deleted_rows GROUP BY mailing_id, status) d
      WHERE c.mailing_id = d.mailing_id AND c.status = d.status;
      UPDATE mailing_timezone_counts z SET messages = z.messages - d.n, pending = z.pending - d.p
      FROM (SELECT mailing_id, timezone, count(*) AS n, count(*) FILTER (WHERE status = 'pending') AS p
            FROM deleted_rows GROUP BY mailing_id, timezone) d
      WHERE z.mailing_id = d.mailing_id AND z.timezone = d.timezone;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION relay_forget_mailing_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM mailing_message_counts WHERE mailing_id IN (SELECT id FROM deleted_mailings);
      DELETE FROM message_minute_counts WHERE mailing_id IN (SELECT id FROM deleted_mailings);
      DELETE FROM mailing_timezone_counts WHERE mailing_id IN (SELECT id FROM deleted_mailings);
      RETURN NULL;
    END $$`.execute(db);

  // The messages already there (the migration runs in one transaction, so none is counted twice or missed).
  await sql`
    INSERT INTO message_minute_counts (mailing_id, minute, status, count)
    SELECT mailing_id, date_trunc('minute', CASE WHEN status = 'sent' THEN coalesce(sent_at, updated_at) ELSE updated_at END), status, count(*)
    FROM messages WHERE status IN ${FINAL} GROUP BY 1, 2, 3`.execute(db);
  await sql`
    INSERT INTO mailing_timezone_counts (mailing_id, timezone, messages, pending)
    SELECT mailing_id, timezone, count(*), count(*) FILTER (WHERE status = 'pending') FROM messages GROUP BY 1, 2`.execute(db);

  await db.schema.createIndex('clients_timezone_idx').on('clients').column('timezone').execute();
  await db.schema.createIndex('integration_runs_started_idx').on('integration_runs').column('started_at').execute();
  await db.schema.createIndex('mailings_created_idx').on('mailings').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mailings_created_idx').ifExists().execute();
  await db.schema.dropIndex('integration_runs_started_idx').ifExists().execute();
  await db.schema.dropIndex('clients_timezone_idx').ifExists().execute();
  // The functions as 2026-12-03T1400-message-delivery-state made them.
  await sql`
    CREATE OR REPLACE FUNCTION relay_count_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO mailing_message_counts AS c (mailing_id, status, count)
      SELECT mailing_id, status, count(*) FROM inserted_rows GROUP BY mailing_id, status ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION relay_count_updated_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO mailing_message_counts AS c (mailing_id, status, count)
      SELECT mailing_id, status, sum(delta) FROM (
        SELECT mailing_id, status, -1 AS delta FROM old_rows
        UNION ALL
        SELECT mailing_id, status, 1 AS delta FROM new_rows) changes
      GROUP BY mailing_id, status HAVING sum(delta) <> 0 ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION relay_count_deleted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE mailing_message_counts c SET count = c.count - d.n
      FROM (SELECT mailing_id, status, count(*) AS n FROM deleted_rows GROUP BY mailing_id, status) d
      WHERE c.mailing_id = d.mailing_id AND c.status = d.status;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION relay_forget_mailing_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM mailing_message_counts WHERE mailing_id IN (SELECT id FROM deleted_mailings);
      RETURN NULL;
    END $$`.execute(db);
  await db.schema.dropTable('mailing_timezone_counts').ifExists().execute();
  await db.schema.dropTable('message_minute_counts').ifExists().execute();
}
