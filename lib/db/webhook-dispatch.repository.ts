// The dispatchers' side of webhook_deliveries: claiming due deliveries in batches, and writing a batch of outcomes
// (attempt log, delivery state, endpoint health and breaker) in one transaction.
import { sql } from 'kysely';
import { FIRST_PROBE_AFTER_MS, MAX_PROBE_AFTER_MS } from '../webhooks/breaker';
import { inTransaction, type Executor } from './connect';
import type { AttemptRecord } from './webhook-delivery.repository';
import type { AttemptTrigger, DeliveryStatus } from './webhook-tables';

export interface ClaimedDelivery {
  id: number;
  event_id: number;
  endpoint_id: number;
  attempts: number;
  run_trigger: AttemptTrigger;
  run_first_attempt: number;
  /** A probe of an endpoint whose breaker is half-open. */
  probe: boolean;
  /** A fifo endpoint's head (its lease is released with the outcome). */
  fifo: boolean;
}

export interface ClaimOptions {
  shard: number;
  shards: number;
  limit: number;
  /** At most this many deliveries of one endpoint per claim. */
  perEndpoint: number;
  leaseMs: number;
  /** Endpoints not to claim for now (at their in-flight cap, or whose breaker tripped in this activity). */
  exclude: number[];
  breakerThreshold: number;
}

const ms = (n: number) => sql`${Math.round(n)} * interval '1 millisecond'`;

/**
 * Claims due deliveries of this shard's endpoints (endpoint id mod shards): at most `perEndpoint` per endpoint and one
 * per endpoint whose breaker is half-open (a probe, which pushes the breaker out for the probe's duration); fifo
 * endpoints give only their head (the oldest pending delivery, whatever its due time) and only when none of theirs is
 * in flight. A claim moves the delivery's due time to the end of its lease.
 */
export async function claimDeliveries(db: Executor, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  // Endpoint by endpoint (webhook_deliveries_endpoint_due_idx): the due backlog of an endpoint whose breaker is open
  // is never read, however large, and one endpoint's backlog cannot crowd the others out of a claim.
  const regular = await sql<ClaimedDelivery>`
    WITH endpoints AS MATERIALIZED (
      SELECT e.id, e.breaker_failures >= ${o.breakerThreshold} AS probe
      FROM webhook_endpoints e
      WHERE e.ordering = 'none'
        AND mod(e.id, ${o.shards}) = ${o.shard}
        AND (e.breaker_open_until IS NULL OR e.breaker_open_until <= now())
        AND NOT (e.id = ANY(${o.exclude}::bigint[]))),
    -- The endpoints whose oldest due delivery is oldest, one index probe each; then each one's fair share of the
    -- claim (at most perEndpoint, one for a probe), so a claim reads about as many rows as it takes.
    heads AS MATERIALIZED (
      SELECT ep.id, ep.probe, h.next_attempt_at
      FROM endpoints ep
      CROSS JOIN LATERAL (
        SELECT d.next_attempt_at FROM webhook_deliveries d
        WHERE d.endpoint_id = ep.id AND d.status = 'pending' AND d.engine = 'dispatcher' AND d.next_attempt_at <= now()
        ORDER BY d.next_attempt_at LIMIT 1) h
      ORDER BY h.next_attempt_at
      LIMIT ${o.limit}),
    share AS (SELECT least(${o.perEndpoint}, greatest(1, ceil(${o.limit}::float8 / greatest(count(*), 1))))::int AS n FROM heads),
    candidates AS MATERIALIZED (
      SELECT d.id, d.endpoint_id, d.next_attempt_at, hd.probe
      FROM heads hd
      CROSS JOIN LATERAL (
        SELECT d.id, d.endpoint_id, d.next_attempt_at FROM webhook_deliveries d
        WHERE d.endpoint_id = hd.id AND d.status = 'pending' AND d.engine = 'dispatcher' AND d.next_attempt_at <= now()
        ORDER BY d.next_attempt_at
        LIMIT CASE WHEN hd.probe THEN 1 ELSE (SELECT n FROM share) END
        FOR UPDATE OF d SKIP LOCKED) d),
    picked AS MATERIALIZED (SELECT id, endpoint_id, probe FROM candidates ORDER BY next_attempt_at LIMIT ${o.limit}),
    probes AS (
      UPDATE webhook_endpoints e SET breaker_open_until = now() + ${ms(o.leaseMs)}
      WHERE e.id IN (SELECT endpoint_id FROM picked WHERE probe)
      RETURNING e.id)
    UPDATE webhook_deliveries d SET next_attempt_at = now() + ${ms(o.leaseMs)}, updated_at = now()
    FROM picked p WHERE d.id = p.id
    RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.run_trigger, d.run_first_attempt, p.probe, false AS fifo`.execute(db);
  const room = o.limit - regular.rows.length;
  const fifo =
    room <= 0
      ? { rows: [] as ClaimedDelivery[] }
      : await sql<ClaimedDelivery>`
    WITH heads AS MATERIALIZED (
      -- From the fifo endpoints to each one's head (webhook_deliveries_endpoint_pending_idx): never a walk through
      -- every pending delivery, which the planner chose without statistics (PGlite never analyzes) at every claim.
      SELECT h.id, h.endpoint_id, h.next_attempt_at, e.breaker_failures >= ${o.breakerThreshold} AS probe
      FROM webhook_endpoints e
      CROSS JOIN LATERAL (
        SELECT d.id, d.endpoint_id, d.next_attempt_at FROM webhook_deliveries d
        WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.engine = 'dispatcher'
        ORDER BY d.id LIMIT 1) h
      WHERE e.ordering = 'fifo'
        AND mod(e.id, ${o.shards}) = ${o.shard}
        AND (e.fifo_lease_until IS NULL OR e.fifo_lease_until <= now())
        AND (e.breaker_open_until IS NULL OR e.breaker_open_until <= now())
        AND NOT (e.id = ANY(${o.exclude}::bigint[]))),
    due AS MATERIALIZED (SELECT * FROM heads WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${room}),
    leases AS (
      UPDATE webhook_endpoints e
      SET fifo_lease_until = now() + ${ms(o.leaseMs)},
          breaker_open_until = CASE WHEN due.probe THEN now() + ${ms(o.leaseMs)} ELSE e.breaker_open_until END
      FROM due WHERE e.id = due.endpoint_id
      RETURNING e.id)
    UPDATE webhook_deliveries d SET next_attempt_at = now() + ${ms(o.leaseMs)}, updated_at = now()
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.run_trigger, d.run_first_attempt, due.probe, true AS fifo`.execute(db);
  return [...regular.rows, ...fifo.rows].map((r) => ({
    ...r,
    id: Number(r.id),
    event_id: Number(r.event_id),
    endpoint_id: Number(r.endpoint_id),
  }));
}

/** One attempt made, to be logged: the per-delivery workflow's attempt record, without what the batch row carries. */
export type AttemptWrite = Omit<AttemptRecord, 'deliveryId' | 'eventId' | 'endpointId' | 'run'>;

/** What happened to one claimed delivery. */
export interface DeliveryOutcome {
  deliveryId: number;
  eventId: number;
  endpointId: number;
  fifo: boolean;
  /** null: no request was made (deferred by the rate limit, released, skipped). */
  attempt: AttemptWrite | null;
  /** The delivery afterwards: pending again at `nextAttemptAt` (a retry, a deferral, a release), or final. */
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  /** For a final failure without an attempt (endpoint disabled, payload purged) or a cancellation. */
  reason?: string;
}

/**
 * Writes a batch of outcomes in one transaction: the attempts (once each: unique per delivery and number), the
 * deliveries' state, and per endpoint its health streak and breaker (from the attempts' outcomes in order) and the
 * release of a fifo lease. `inside` runs in the same transaction (the outbox events of exhausted deliveries), so a
 * crash leaves all of it or none of it. Returns the deliveries whose attempt was already logged (a batch written twice).
 */
export async function writeOutcomes(
  db: Executor,
  outcomes: DeliveryOutcome[],
  run: { workflowId: string; runId: string; breakerThreshold: number },
  inside?: (tx: Executor) => Promise<void>,
): Promise<void> {
  if (outcomes.length === 0) return;
  await inTransaction(db, async (tx) => {
    const attempts = outcomes.filter((o): o is DeliveryOutcome & { attempt: AttemptWrite } => o.attempt !== null);
    if (attempts.length > 0) {
      await tx
        .insertInto('webhook_attempts')
        .values(
          attempts.map((o) => ({
            delivery_id: o.deliveryId,
            event_id: o.eventId,
            endpoint_id: o.endpointId,
            attempt: o.attempt.attempt,
            trigger: o.attempt.trigger,
            started_at: o.attempt.startedAt,
            duration_ms: o.attempt.durationMs,
            outcome: o.attempt.outcome,
            status_code: o.attempt.statusCode,
            retry_after_ms: o.attempt.retryAfterMs,
            error: o.attempt.error,
            response_body: o.attempt.responseBody,
            workflow_id: run.workflowId,
            run_id: run.runId,
          })),
        )
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
    }
    // Deliveries: one statement for the whole batch.
    const col = <T>(pick: (o: DeliveryOutcome) => T) => outcomes.map(pick);
    await sql`
      UPDATE webhook_deliveries d SET
        status = v.status,
        next_attempt_at = v.next_at,
        attempts = CASE WHEN v.attempt IS NULL THEN d.attempts ELSE greatest(d.attempts, v.attempt) END,
        last_attempt_at = CASE WHEN v.attempt IS NULL THEN d.last_attempt_at ELSE v.started_at END,
        last_status_code = CASE WHEN v.attempt IS NULL THEN d.last_status_code ELSE v.status_code END,
        last_error = CASE WHEN v.attempt IS NULL THEN coalesce(v.reason, d.last_error) ELSE v.error END,
        delivered_at = CASE WHEN v.status = 'succeeded' THEN now() ELSE d.delivered_at END,
        updated_at = now()
      FROM unnest(
        ${col((o) => o.deliveryId)}::bigint[], ${col((o) => o.status)}::text[], ${col((o) => o.nextAttemptAt)}::timestamptz[],
        ${col((o) => o.attempt?.attempt ?? null)}::int[], ${col((o) => o.attempt?.startedAt ?? null)}::timestamptz[],
        ${col((o) => o.attempt?.statusCode ?? null)}::int[], ${col((o) => o.attempt?.error ?? null)}::text[],
        ${col((o) => o.reason ?? null)}::text[]
      ) AS v(id, status, next_at, attempt, started_at, status_code, error, reason)
      WHERE d.id = v.id AND d.status = 'pending'`.execute(tx);

    // Endpoints: the health streak (auto-disable) and the breaker, from this batch's attempts in order.
    const byEndpoint = new Map<number, { outcomes: boolean[]; fifoDone: boolean }>();
    for (const o of outcomes) {
      const entry = byEndpoint.get(o.endpointId) ?? { outcomes: [], fifoDone: false };
      if (o.attempt) entry.outcomes.push(o.attempt.outcome === 'succeeded');
      if (o.fifo) entry.fifoDone = true;
      byEndpoint.set(o.endpointId, entry);
    }
    const ids: number[] = [];
    const succeeded: boolean[] = [];
    const trailing: number[] = [];
    const failures: number[] = [];
    const fifoDone: boolean[] = [];
    for (const [id, entry] of [...byEndpoint.entries()].sort((a, b) => a[0] - b[0])) {
      const lastSuccess = entry.outcomes.lastIndexOf(true);
      ids.push(id);
      succeeded.push(lastSuccess >= 0);
      trailing.push(entry.outcomes.length - 1 - lastSuccess); // failures after the last success (all, when none)
      failures.push(entry.outcomes.filter((ok) => !ok).length);
      fifoDone.push(entry.fifoDone);
    }
    await sql`
      UPDATE webhook_endpoints e SET
        failing_since = CASE WHEN v.succeeded THEN (CASE WHEN v.trail > 0 THEN now() END)
                             WHEN v.trail > 0 THEN coalesce(e.failing_since, now()) ELSE e.failing_since END,
        failure_count = CASE WHEN v.succeeded THEN v.trail ELSE e.failure_count + v.trail END,
        last_success_at = CASE WHEN v.succeeded THEN now() ELSE e.last_success_at END,
        last_failure_at = CASE WHEN v.failures > 0 THEN now() ELSE e.last_failure_at END,
        breaker_failures = CASE WHEN v.succeeded THEN v.trail ELSE e.breaker_failures + v.trail END,
        breaker_open_until = CASE
          WHEN (CASE WHEN v.succeeded THEN v.trail ELSE e.breaker_failures + v.trail END) >= ${run.breakerThreshold}
               AND v.trail > 0
            THEN now() + least(${FIRST_PROBE_AFTER_MS} * power(2, least(e.breaker_opens, 16)), ${MAX_PROBE_AFTER_MS}) * interval '1 millisecond'
          WHEN v.succeeded THEN NULL
          ELSE e.breaker_open_until END,
        breaker_opens = CASE
          WHEN (CASE WHEN v.succeeded THEN v.trail ELSE e.breaker_failures + v.trail END) >= ${run.breakerThreshold}
               AND v.trail > 0 THEN e.breaker_opens + 1
          WHEN v.succeeded THEN 0
          ELSE e.breaker_opens END,
        fifo_lease_until = CASE WHEN v.fifo_done THEN NULL ELSE e.fifo_lease_until END
      FROM unnest(${ids}::bigint[], ${succeeded}::bool[], ${trailing}::int[], ${failures}::int[], ${fifoDone}::bool[])
        AS v(id, succeeded, trail, failures, fifo_done)
      WHERE e.id = v.id AND (v.failures > 0 OR v.succeeded OR v.fifo_done)`.execute(tx);
    if (inside) await inside(tx);
  });
}

/** Endpoints among `ids` whose every attempt failed since at least `sinceMs` ago, with at least `minFailures`. */
export async function endpointsFailingLongerThan(db: Executor, ids: number[], sinceMs: number, minFailures: number) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', 'in', ids)
    .where('enabled', '=', true)
    .where('failure_count', '>=', minFailures)
    .where('failing_since', '<=', sql<Date>`now() - ${ms(sinceMs)}`)
    .execute();
}

/** The dispatch backlog: pending deliveries, how many are due now, and the oldest undelivered one's creation time. */
export async function dispatchBacklog(db: Executor): Promise<{ pending: number; due: number; oldestCreatedAt: Date | null }> {
  const row = await sql<{ pending: string; due: string; oldest: Date | null }>`
    SELECT count(*) AS pending,
           count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
           min(created_at) AS oldest
    FROM webhook_deliveries WHERE status = 'pending' AND engine = 'dispatcher'`.execute(db);
  const r = row.rows[0];
  return { pending: Number(r?.pending ?? 0), due: Number(r?.due ?? 0), oldestCreatedAt: r?.oldest ?? null };
}
