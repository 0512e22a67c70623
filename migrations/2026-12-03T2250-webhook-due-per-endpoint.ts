import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// The dispatchers claim each endpoint's due deliveries from this index, endpoint by endpoint, so an endpoint whose
// breaker is open (its backlog due, waiting) is never walked through by the claims of the others.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('webhook_deliveries_endpoint_due_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'next_attempt_at'])
    .where(sql<boolean>`status = 'pending' AND engine = 'dispatcher'`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_endpoint_due_idx').ifExists().execute();
}
