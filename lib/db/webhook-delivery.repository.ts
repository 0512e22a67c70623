import { sql } from 'kysely';
import { inTransaction, type Executor } from './connect';
import { recordEndpointFailure, recordEndpointSuccess } from './webhook-endpoint.repository';
import type {
  AttemptOutcome,
  AttemptTrigger,
  DeliveryStatus,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEventRow,
} from './webhook-tables';

export async function findDelivery(db: Executor, id: number): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface DeliveryContext {
  delivery: WebhookDeliveryRow;
  event: WebhookEventRow;
  endpoint: WebhookEndpointRow | undefined;
}

/** The delivery with its event and endpoint (undefined once the endpoint was deleted). */
export async function loadDeliveryContext(db: Executor, id: number): Promise<DeliveryContext | undefined> {
  const delivery = await findDelivery(db, id);
  if (!delivery) return undefined;
  const [event, endpoint] = await Promise.all([
    db.selectFrom('webhook_events').selectAll().where('id', '=', delivery.event_id).executeTakeFirstOrThrow(),
    db.selectFrom('webhook_endpoints').selectAll().where('id', '=', delivery.endpoint_id).executeTakeFirst(),
  ]);
  return { delivery, event, endpoint };
}

export async function listDeliveries(
  db: Executor,
  f: { eventId?: number; endpointId?: number; status?: DeliveryStatus; cursor?: number; limit: number },
): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll();
  if (f.eventId !== undefined) q = q.where('event_id', '=', f.eventId);
  if (f.endpointId !== undefined) q = q.where('endpoint_id', '=', f.endpointId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function markDispatched(db: Executor, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_deliveries').set({ dispatched_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
}

/** A delivery with what starting its workflow needs. */
export type DeliveryHandle = Pick<WebhookDeliveryRow, 'id' | 'event_id' | 'endpoint_id' | 'status' | 'attempts' | 'dispatched_at' | 'engine'> & { event_type: string };

const handleColumns = ['d.id', 'd.event_id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.dispatched_at', 'd.engine', 'e.type as event_type'] as const;

/**
 * Gives a final dispatcher-carried delivery a new schedule (resend, recover): pending and due now, its attempts
 * numbered on from the earlier ones. False when it is still pending (its schedule is running).
 */
export async function rescheduleDelivery(db: Executor, id: number, trigger: 'resend' | 'recover'): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: sql<Date>`now()`,
      run_trigger: trigger,
      run_first_attempt: eb('attempts', '+', 1),
      delivered_at: null,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .where('engine', '=', 'dispatcher')
    .where('status', '<>', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deliveries committed but never handed to Temporal (the process died in between), oldest first. */
export async function undispatchedDeliveries(db: Executor, olderThanMs: number, limit: number): Promise<DeliveryHandle[]> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(handleColumns)
    .where('d.dispatched_at', 'is', null)
    .where('d.engine', '=', 'workflow')
    .where('d.created_at', '<', sql<Date>`now() - ${`${olderThanMs} milliseconds`}::interval`)
    .orderBy('d.id')
    .limit(limit)
    .execute();
}

export async function findDeliveryHandle(db: Executor, id: number): Promise<DeliveryHandle | undefined> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(handleColumns)
    .where('d.id', '=', id)
    .executeTakeFirst();
}

export interface AttemptRecord {
  deliveryId: number;
  eventId: number;
  endpointId: number;
  attempt: number;
  trigger: AttemptTrigger;
  startedAt: Date;
  durationMs: number;
  outcome: AttemptOutcome;
  statusCode: number | null;
  retryAfterMs: number | null;
  error: string | null;
  responseBody: string | null;
  /** The workflow run that made the attempt. */
  run?: { workflowId: string; runId: string };
}

/**
 * Logs one attempt (once: unique per delivery and number; false when it was already logged), moves the delivery on (delivered on success) and counts it into the endpoint's failure streak
 * (reset on success), all in one transaction: a retried activity finds all of it done or none of it.
 */
export async function recordAttempt(db: Executor, a: AttemptRecord): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const logged = await tx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: a.deliveryId,
        event_id: a.eventId,
        endpoint_id: a.endpointId,
        attempt: a.attempt,
        trigger: a.trigger,
        started_at: a.startedAt,
        duration_ms: a.durationMs,
        outcome: a.outcome,
        status_code: a.statusCode,
        retry_after_ms: a.retryAfterMs,
        error: a.error,
        response_body: a.responseBody,
        workflow_id: a.run?.workflowId ?? null,
        run_id: a.run?.runId ?? null,
      })
      .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!logged) return false; // a concurrent run of the same attempt logged it first
    if (a.outcome === 'succeeded') await recordEndpointSuccess(tx, a.endpointId);
    else await recordEndpointFailure(tx, a.endpointId);
    await tx
      .updateTable('webhook_deliveries')
      .set({
        attempts: a.attempt,
        last_attempt_at: a.startedAt,
        last_status_code: a.statusCode,
        last_error: a.error,
        next_attempt_at: null,
        ...(a.outcome === 'succeeded' ? { status: 'succeeded' as const, delivered_at: sql<Date>`now()` } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', a.deliveryId)
      .execute();
    return true;
  });
}

export async function setNextAttempt(db: Executor, id: number, at: Date): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: at, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

export async function setDeliveryStatus(db: Executor, id: number, status: DeliveryStatus, error?: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status, next_attempt_at: null, ...(error !== undefined ? { last_error: error } : {}), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** Failed deliveries of an endpoint created in [since, until), after `afterId`, oldest first (recovery pages). */
export async function failedDeliveriesSince(
  db: Executor,
  f: { endpointId: number; since: Date; until: Date; afterId: number; limit: number },
): Promise<DeliveryHandle[]> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(handleColumns)
    .where('d.endpoint_id', '=', f.endpointId)
    .where('d.status', '=', 'failed')
    .where('d.created_at', '>=', f.since)
    .where('d.created_at', '<', f.until)
    .where('d.id', '>', f.afterId)
    .orderBy('d.id')
    .limit(f.limit)
    .execute();
}

/** How many deliveries of an endpoint created in [since, until) are failed now (what a recovery has left to restart). */
export async function countFailedDeliveries(db: Executor, f: { endpointId: number; since: Date; until: Date }): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('endpoint_id', '=', f.endpointId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', f.since)
    .where('created_at', '<', f.until)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The attempt already logged under this number (an activity retried after its write), if any. */
export async function findAttempt(db: Executor, deliveryId: number, attempt: number): Promise<WebhookAttemptRow | undefined> {
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).where('attempt', '=', attempt).executeTakeFirst();
}

export interface AttemptFilter {
  endpointId?: number;
  eventId?: number;
  outcome?: AttemptOutcome;
  statusCode?: number;
  eventType?: string;
  since?: Date;
  until?: Date;
  cursor?: number;
  limit: number;
}

/** The attempt log, newest first. */
export async function listAttempts(db: Executor, f: AttemptFilter): Promise<(WebhookAttemptRow & { event_type: string })[]> {
  let q = db
    .selectFrom('webhook_attempts as a')
    .innerJoin('webhook_events as e', 'e.id', 'a.event_id')
    .selectAll('a')
    .select('e.type as event_type');
  if (f.endpointId !== undefined) q = q.where('a.endpoint_id', '=', f.endpointId);
  if (f.eventId !== undefined) q = q.where('a.event_id', '=', f.eventId);
  if (f.outcome) q = q.where('a.outcome', '=', f.outcome);
  if (f.statusCode !== undefined) q = q.where('a.status_code', '=', f.statusCode);
  if (f.eventType) q = q.where('e.type', '=', f.eventType);
  if (f.since) q = q.where('a.started_at', '>=', f.since);
  if (f.until) q = q.where('a.started_at', '<', f.until);
  if (f.cursor !== undefined) q = q.where('a.id', '<', f.cursor);
  return q.orderBy('a.id', 'desc').limit(f.limit).execute();
}
