import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// 1. messages.sending_since: set just before a provider request may start, cleared when its answer is recorded. A
//    message still carrying it when its lease runs out was possibly sent by a worker that died: it becomes
//    'unknown' instead of being sent a second time.
// 2. mailing_message_counts: messages per (mailing, status), maintained by statement-level triggers (one grouped
//    upsert per statement, rows locked in (mailing, status) order so concurrent statements cannot deadlock on them),
//    so progress and statistics read a handful of rows however many messages there are.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('sending_since', 'timestamptz').execute();

  await db.schema
    .createTable('mailing_message_counts')
    .addColumn('mailing_id', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('mailing_message_counts_pk', ['mailing_id', 'status'])
    .execute();

  await sql`
    CREATE FUNCTION relay_count_inserted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO mailing_message_counts AS c (mailing_id, status, count)
      SELECT mailing_id, status, count(*) FROM inserted_rows GROUP BY mailing_id, status ORDER BY mailing_id, status
      ON CONFLICT (mailing_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION relay_count_updated_messages() RETURNS trigger LANGUAGE plpgsql AS $$
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
    CREATE FUNCTION relay_count_deleted_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE mailing_message_counts c SET count = c.count - d.n
      FROM (SELECT mailing_id, status, count(*) AS n FROM deleted_rows GROUP BY mailing_id, status) d
      WHERE c.mailing_id = d.mailing_id AND c.status = d.status;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION relay_forget_mailing_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM mailing_message_counts WHERE mailing_id IN (SELECT id FROM deleted_mailings);
      RETURN NULL;
    END $$`.execute(db);

  await sql`CREATE TRIGGER messages_count_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION relay_count_inserted_messages()`.execute(db);
  await sql`CREATE TRIGGER messages_count_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION relay_count_updated_messages()`.execute(db);
  await sql`CREATE TRIGGER messages_count_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS deleted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION relay_count_deleted_messages()`.execute(db);
  await sql`CREATE TRIGGER mailings_forget_counts AFTER DELETE ON mailings REFERENCING OLD TABLE AS deleted_mailings
    FOR EACH STATEMENT EXECUTE FUNCTION relay_forget_mailing_counts()`.execute(db);

  // Counts of the messages already there.
  await sql`
    INSERT INTO mailing_message_counts (mailing_id, status, count)
    SELECT mailing_id, status, count(*) FROM messages GROUP BY mailing_id, status`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS mailings_forget_counts ON mailings`.execute(db);
  await sql`DROP TRIGGER IF EXISTS messages_count_delete ON messages`.execute(db);
  await sql`DROP TRIGGER IF EXISTS messages_count_update ON messages`.execute(db);
  await sql`DROP TRIGGER IF EXISTS messages_count_insert ON messages`.execute(db);
  await sql`DROP FUNCTION IF EXISTS relay_forget_mailing_counts, relay_count_deleted_messages, relay_count_updated_messages, relay_count_inserted_messages`.execute(db);
  await db.schema.dropTable('mailing_message_counts').ifExists().execute();
  await db.schema.alterTable('messages').dropColumn('sending_since').execute();
}
