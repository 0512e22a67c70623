import type { Executor } from './connect';
import type { WebhookEventTypeRow } from './webhook-tables';

export async function listEventTypes(db: Executor): Promise<WebhookEventTypeRow[]> {
  return db.selectFrom('webhook_event_types').selectAll().orderBy('name').execute();
}

export async function findEventType(db: Executor, name: string): Promise<WebhookEventTypeRow | undefined> {
  return db.selectFrom('webhook_event_types').selectAll().where('name', '=', name).executeTakeFirst();
}

/** undefined when the name is taken. */
export async function insertEventType(
  db: Executor,
  t: { name: string; description: string; schema: Record<string, unknown> },
): Promise<WebhookEventTypeRow | undefined> {
  return db
    .insertInto('webhook_event_types')
    .values({ ...t, schema: JSON.stringify(t.schema) })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEventType(db: Executor, name: string): Promise<boolean> {
  const r = await db.deleteFrom('webhook_event_types').where('name', '=', name).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
