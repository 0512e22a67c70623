import { sql } from 'kysely';
import { inTransaction, type Executor } from './connect';
import type { EventSource, WebhookDeliveryRow, WebhookEventRow } from './webhook-tables';

/** The same idempotency key within this period returns the first event instead of a new one. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

export interface NewEvent {
  type: string;
  payload: unknown;
  source: EventSource;
  idempotencyKey?: string | null;
  /** Only this endpoint (the endpoint test), whatever its filter says. */
  onlyEndpointId?: number;
  /** Never this endpoint (operational events about it). */
  excludeEndpointId?: number;
}

export interface RecordedEvent {
  event: WebhookEventRow;
  /** false when the idempotency key returned an earlier event (keys are per source: API callers cannot shadow Relay's own). */
  created: boolean;
  deliveries: Pick<WebhookDeliveryRow, 'id' | 'endpoint_id' | 'dispatched_at'>[];
}

/**
 * Stores the event and one delivery per enabled endpoint whose filter matches (empty filter = all types, `a.*` = prefix),
 * in one transaction. A key seen in the last 24 h returns the first event and its deliveries, and fans out nothing new.
 */
export async function recordEvent(db: Executor, input: NewEvent): Promise<RecordedEvent> {
  return inTransaction(db, async (tx) => {
    const key = input.idempotencyKey ?? null;
    if (key !== null) {
      // A key older than the window is free again.
      await tx
        .updateTable('webhook_events')
        .set({ idempotency_key: null })
        .where('source', '=', input.source)
        .where('idempotency_key', '=', key)
        .where('created_at', '<', sql<Date>`now() - ${`${IDEMPOTENCY_WINDOW_HOURS} hours`}::interval`)
        .execute();
    }
    const inserted = await tx
      .insertInto('webhook_events')
      .values({ type: input.type, payload: JSON.stringify(input.payload ?? null), source: input.source, idempotency_key: key })
      .onConflict((oc) => oc.columns(['source', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      const event = await tx
        .selectFrom('webhook_events')
        .selectAll()
        .where('source', '=', input.source)
        .where('idempotency_key', '=', key)
        .executeTakeFirstOrThrow();
      const deliveries = await tx
        .selectFrom('webhook_deliveries')
        .select(['id', 'endpoint_id', 'dispatched_at'])
        .where('event_id', '=', event.id)
        .orderBy('id')
        .execute();
      return { event, created: false, deliveries };
    }
    // The dispatchers carry deliveries (they are in their hands from the start: dispatched); an endpoint test runs
    // its one attempt in a workflow of its own, which its request starts.
    const test = input.onlyEndpointId !== undefined;
    const deliveries = await sql<Pick<WebhookDeliveryRow, 'id' | 'endpoint_id' | 'dispatched_at'>>`
      insert into webhook_deliveries (event_id, endpoint_id, engine, dispatched_at, next_attempt_at)
      select ${inserted.id}, e.id, ${test ? 'workflow' : 'dispatcher'}, ${test ? null : sql`now()`}, ${test ? null : sql`now()`}
        from webhook_endpoints e
       where ${input.onlyEndpointId !== undefined ? sql`e.id = ${input.onlyEndpointId}` : sql`e.enabled and ${matchesType(input.type)}`}
         and ${input.excludeEndpointId !== undefined ? sql`e.id <> ${input.excludeEndpointId}` : sql`true`}
       order by e.id
      on conflict do nothing
      returning id, endpoint_id, dispatched_at`.execute(tx);
    return { event: inserted, created: true, deliveries: deliveries.rows };
  });
}

/** SQL: endpoint `e` subscribes to `type` (empty list = everything; `prefix.*` = every type under prefix). */
function matchesType(type: string) {
  return sql`(cardinality(e.event_types) = 0 or exists (
    select 1 from unnest(e.event_types) p
     where p = ${type} or (right(p, 2) = '.*' and ${type} like replace(left(p, -1), '_', '\\_') || '%')))`;
}

export async function findEvent(db: Executor, id: number): Promise<WebhookEventRow | undefined> {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listEvents(db: Executor, f: { type?: string; since?: Date; cursor?: number; limit: number }): Promise<WebhookEventRow[]> {
  let q = db.selectFrom('webhook_events').selectAll();
  if (f.type) q = q.where('type', '=', f.type);
  if (f.since) q = q.where('created_at', '>=', f.since);
  if (f.cursor !== undefined) q = q.where('id', '<', f.cursor);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}
