import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Sending-rate reservations shared by every worker (SEND_RATE_PER_S, a mailing's own send_rate_per_s) and the
// provider's own "wait" (a 429 with Retry-After): one row per key, holding the next free send slot. UNLOGGED: worth
// no WAL; lost in a crash, the reservations simply start again from now.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('send_rate_limits')
    .modifyFront(sql`unlogged`)
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('mailings')
    .addColumn('send_rate_per_s', 'integer', (c) => c.check(sql`send_rate_per_s between 1 and 100000`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mailings').dropColumn('send_rate_per_s').execute();
  await db.schema.dropTable('send_rate_limits').ifExists().execute();
}
