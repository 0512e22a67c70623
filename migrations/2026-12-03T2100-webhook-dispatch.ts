import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Webhook deliveries move from one workflow each to dispatchers that claim due deliveries from this table in batches:
// - webhook_deliveries.engine: 'workflow' for deliveries carried by their own workflow (every row before this
//   migration, and endpoint tests), 'dispatcher' for the rest; dispatchers only claim their own.
// - next_attempt_at is when the delivery is due (set at insert: now). A claim moves it to the end of the claim's
//   lease, so a claimed delivery is simply not due until its lease runs out (a crashed worker's claims come back).
// - run_trigger / run_first_attempt: what started the current schedule (scheduled, resend, recover) and the number of
//   its first attempt, so a resend gets the full schedule again with attempt numbers continuing.
// - endpoints: ordering ('none' | 'fifo'), the circuit breaker (consecutive failures, open until, how many times it
//   opened in a row) and the FIFO lease (one delivery of a fifo endpoint in flight at a time).
// - attempts: the workflow id and run id of the dispatcher run that made each attempt (findable in the Temporal UI).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('engine', 'text', (c) => c.notNull().defaultTo('workflow'))
    .addColumn('run_trigger', 'text', (c) => c.notNull().defaultTo('scheduled'))
    .addColumn('run_first_attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`ALTER TABLE webhook_deliveries ALTER COLUMN engine SET DEFAULT 'dispatcher'`.execute(db);
  await sql`ALTER TABLE webhook_deliveries ALTER COLUMN next_attempt_at SET DEFAULT now()`.execute(db);
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .column('next_attempt_at')
    .where(sql<boolean>`status = 'pending' AND engine = 'dispatcher'`)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_pending_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .where(sql<boolean>`status = 'pending' AND engine = 'dispatcher'`)
    .execute();

  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('ordering', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('breaker_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('breaker_open_until', 'timestamptz')
    .addColumn('breaker_opens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fifo_lease_until', 'timestamptz')
    .execute();

  await db.schema.alterTable('webhook_attempts').addColumn('workflow_id', 'text').addColumn('run_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_attempts').dropColumn('workflow_id').dropColumn('run_id').execute();
  await db.schema
    .alterTable('webhook_endpoints')
    .dropColumn('ordering')
    .dropColumn('breaker_failures')
    .dropColumn('breaker_open_until')
    .dropColumn('breaker_opens')
    .dropColumn('fifo_lease_until')
    .execute();
  await db.schema.dropIndex('webhook_deliveries_endpoint_pending_idx').ifExists().execute();
  await db.schema.dropIndex('webhook_deliveries_due_idx').ifExists().execute();
  await sql`ALTER TABLE webhook_deliveries ALTER COLUMN next_attempt_at DROP DEFAULT`.execute(db);
  await db.schema.alterTable('webhook_deliveries').dropColumn('engine').dropColumn('run_trigger').dropColumn('run_first_attempt').execute();
}
