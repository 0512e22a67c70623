import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Fixed-window request counters shared by every API replica (api/rate-limit.ts). UNLOGGED: counters are worth no WAL
// and may be lost in a crash (the windows start again); rows past their window are purged in batches by the API.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .modifyFront(sql`unlogged`)
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_reset_at_idx').on('rate_limits').column('reset_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
}
