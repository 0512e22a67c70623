// The webhook dispatcher's activity: claims due deliveries in batches and keeps up to `concurrency` requests in
// flight, writing outcomes in groups. One activity runs for `budgetMs` (minutes), so Temporal sees a handful of events
// per dispatcher per budget however many deliveries go out; retries are rows with their due time, picked up when due.
import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import type { Executor } from '../lib/db/connect';
import { claimDeliveries, endpointsFailingLongerThan, writeOutcomes, type ClaimedDelivery, type DeliveryOutcome } from '../lib/db/webhook-dispatch.repository';
import { activeSecretsOf, reserveRateSlot } from '../lib/db/webhook-endpoint.repository';
import { recordEvent } from '../lib/db/webhook-event.repository';
import type { WebhookEndpointRow, WebhookEventRow } from '../lib/db/webhook-tables';
import { nextRetryDelay, type RetryPolicy } from '../lib/webhooks/retry-schedule';
import { systemEvent } from '../lib/webhooks/publisher';
import type { DispatchInput, DispatchResult } from '../workflows/webhook.contract';
import {
  AUTO_DISABLE_AFTER_MS,
  AUTO_DISABLE_MIN_FAILURES,
  buildRequest,
  disable,
  GONE_REASON,
  judge,
  send,
  STREAK_REASON,
  type WebhookActivityDeps,
} from './webhook-attempt';

/** A rate-limit slot further away than this defers the delivery (its due time moves) instead of holding a slot. */
const MAX_RATE_WAIT_MS = 10_000;
/** Outcomes are written when this many are waiting, or this long after the first of them. */
const FLUSH_SIZE = 200;
const FLUSH_AFTER_MS = 50;
/** Operational events never cause more operational events about themselves. */
const OPERATIONAL_TYPES = new Set(['message.attempt.exhausted', 'endpoint.disabled', 'webhook.test']);

interface Context_ {
  events: Map<number, WebhookEventRow>;
  endpoints: Map<number, WebhookEndpointRow>;
  secrets: Map<number, string[]>;
}

async function loadContext(db: Executor, claimed: ClaimedDelivery[]): Promise<Context_> {
  const eventIds = [...new Set(claimed.map((d) => d.event_id))];
  const endpointIds = [...new Set(claimed.map((d) => d.endpoint_id))];
  const [events, endpoints, secrets] = await Promise.all([
    db.selectFrom('webhook_events').selectAll().where('id', 'in', eventIds).execute(),
    db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', endpointIds).execute(),
    activeSecretsOf(db, endpointIds),
  ]);
  return {
    events: new Map(events.map((e) => [Number(e.id), e])),
    endpoints: new Map(endpoints.map((e) => [Number(e.id), e])),
    secrets,
  };
}

export async function dispatchDeliveries(deps: WebhookActivityDeps, input: DispatchInput): Promise<DispatchResult> {
  const { db, logger } = deps;
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const { workflowId, runId } = ctx.info.workflowExecution ?? { workflowId: 'unknown', runId: 'unknown' };
  const log = logger.child({ dispatcher: workflowId, shard: input.shard });
  const policy: RetryPolicy = { delaysMs: input.retryDelaysMs };
  const deadline = Date.now() + input.budgetMs;
  const result: DispatchResult = { claimed: 0, attempts: 0, succeeded: 0, failed: 0, exhausted: 0, deferred: 0, released: 0 };

  let inFlight = 0;
  const perEndpoint = new Map<number, number>();
  const consecutiveFailures = new Map<number, number>();
  const tripped = new Set<number>(); // breakers this activity saw open; the database learns it at the next write
  let pending: DeliveryOutcome[] = [];
  let firstPendingAt = 0;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const nap = (msToWait: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, msToWait);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const onAbort = () => notify();
  signal.addEventListener('abort', onAbort);

  const exhaustedEvents: { outcome: DeliveryOutcome; event: WebhookEventRow; attempts: number; statusCode: number | null; error: string | null }[] = [];
  const gone = new Set<number>();

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    const exhausted = exhaustedEvents.splice(0);
    const trippedNow = [...tripped];
    pending = [];
    await writeOutcomes(db, batch, { workflowId, runId, breakerThreshold: input.breakerThreshold }, async (tx) => {
      // The outbox: `message.attempt.exhausted` is recorded with the delivery's final state, or not at all.
      for (const x of exhausted) {
        if (OPERATIONAL_TYPES.has(x.event.type)) continue;
        await recordEvent(
          tx,
          systemEvent(
            'message.attempt.exhausted',
            { deliveryId: x.outcome.deliveryId, eventId: x.event.id, eventType: x.event.type, endpointId: x.outcome.endpointId, attempts: x.attempts, lastStatusCode: x.statusCode, lastError: x.error },
            { idempotencyKey: `message.attempt.exhausted:${x.outcome.deliveryId}:${x.attempts}`, excludeEndpointId: x.outcome.endpointId },
          ),
        );
      }
    });
    // Written: the breakers this activity tripped are in the database now, which the claims read from here on.
    for (const id of trippedNow) tripped.delete(id);
    // What follows from the written attempts for their endpoints: 410 and a five-day failure streak disable them.
    const failedEndpoints = [...new Set(batch.filter((o) => o.attempt?.outcome === 'failed').map((o) => o.endpointId))];
    for (const id of [...gone]) {
      gone.delete(id);
      const endpoint = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      if (endpoint) await disable(deps, endpoint, GONE_REASON);
    }
    for (const endpoint of await endpointsFailingLongerThan(db, failedEndpoints, AUTO_DISABLE_AFTER_MS, AUTO_DISABLE_MIN_FAILURES)) {
      await disable(deps, endpoint, `${STREAK_REASON} ${endpoint.failing_since?.toISOString()} (${endpoint.failure_count} failures)`);
    }
  }

  function record(outcome: DeliveryOutcome): void {
    if (pending.length === 0) firstPendingAt = Date.now();
    pending.push(outcome);
  }

  async function deliver(d: ClaimedDelivery, c: Context_): Promise<void> {
    const event = c.events.get(d.event_id);
    const endpoint = c.endpoints.get(d.endpoint_id);
    const base = { deliveryId: d.id, eventId: d.event_id, endpointId: d.endpoint_id, fifo: d.fifo };
    if (!event || !endpoint) return record({ ...base, attempt: null, status: 'cancelled', nextAttemptAt: null, reason: 'endpoint deleted' });
    if (!endpoint.enabled) {
      return record({ ...base, attempt: null, status: 'failed', nextAttemptAt: null, reason: `endpoint disabled: ${endpoint.disabled_reason ?? 'disabled'}` });
    }
    if (event.payload_deleted_at) return record({ ...base, attempt: null, status: 'failed', nextAttemptAt: null, reason: 'payload deleted by retention' });
    if (tripped.has(endpoint.id) || signal.aborted) {
      result.released++;
      return record({ ...base, attempt: null, status: 'pending', nextAttemptAt: new Date() });
    }
    if (endpoint.rate_limit_per_s) {
      const waitMs = await reserveRateSlot(db, endpoint.id, endpoint.rate_limit_per_s);
      if (waitMs > MAX_RATE_WAIT_MS) {
        result.deferred++;
        return record({ ...base, attempt: null, status: 'pending', nextAttemptAt: new Date(Date.now() + waitMs) });
      }
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    }
    const attemptNumber = d.attempts + 1;
    const startedAt = new Date();
    const request = buildRequest(deps.secretBox, endpoint, event, c.secrets.get(endpoint.id) ?? []);
    const http = 'error' in request ? { kind: 'network' as const, error: request.error, durationMs: 0 } : await send(deps.urlPolicy, endpoint, request);
    const judged = judge(http, startedAt.getTime());
    result.attempts++;
    const attempt = {
      attempt: attemptNumber,
      trigger: d.run_trigger,
      startedAt,
      durationMs: judged.durationMs,
      outcome: judged.outcome === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
      statusCode: judged.statusCode,
      retryAfterMs: judged.failure?.retryAfterMs ?? null,
      error: judged.error,
      responseBody: judged.responseBody,
    };
    if (judged.outcome === 'succeeded') {
      result.succeeded++;
      consecutiveFailures.set(endpoint.id, 0);
      return record({ ...base, attempt, status: 'succeeded', nextAttemptAt: null });
    }
    result.failed++;
    const streak = (consecutiveFailures.get(endpoint.id) ?? 0) + 1;
    consecutiveFailures.set(endpoint.id, streak);
    if (streak >= input.breakerThreshold || d.probe) tripped.add(endpoint.id);
    if (judged.statusCode === 410) {
      // Gone: the endpoint is disabled (after the write) and this delivery's attempts are over.
      gone.add(endpoint.id);
      result.exhausted++;
      const outcome: DeliveryOutcome = { ...base, attempt, status: 'failed', nextAttemptAt: null };
      exhaustedEvents.push({ outcome, event, attempts: attemptNumber, statusCode: judged.statusCode, error: judged.error });
      return record(outcome);
    }
    const inRun = attemptNumber - d.run_first_attempt + 1;
    const delay = nextRetryDelay(inRun, judged.failure ?? { kind: 'http', statusCode: judged.statusCode, retryAfterMs: null }, Math.random, undefined, policy);
    if (delay === null) {
      result.exhausted++;
      const outcome: DeliveryOutcome = { ...base, attempt, status: 'failed', nextAttemptAt: null };
      if (d.run_trigger !== 'test') exhaustedEvents.push({ outcome, event, attempts: attemptNumber, statusCode: judged.statusCode, error: judged.error });
      return record(outcome);
    }
    return record({ ...base, attempt, status: 'pending', nextAttemptAt: new Date(Date.now() + delay) });
  }

  try {
    while (!signal.aborted && Date.now() < deadline) {
      let claimed: ClaimedDelivery[] = [];
      const room = input.concurrency - inFlight;
      if (room > 0 && (inFlight === 0 || room >= Math.min(input.batchSize, input.concurrency / 2))) {
        const exclude = [...tripped, ...[...perEndpoint.entries()].filter(([, n]) => n >= input.perEndpoint).map(([id]) => id)];
        claimed = await claimDeliveries(db, {
          shard: input.shard,
          shards: input.shards,
          limit: Math.min(room, input.batchSize),
          perEndpoint: input.perEndpoint,
          leaseMs: input.leaseMs,
          exclude,
          breakerThreshold: input.breakerThreshold,
        });
        if (claimed.length > 0) {
          result.claimed += claimed.length;
          const context = await loadContext(db, claimed);
          for (const d of claimed) {
            inFlight++;
            perEndpoint.set(d.endpoint_id, (perEndpoint.get(d.endpoint_id) ?? 0) + 1);
            deliver(d, context)
              .catch((err: unknown) => {
                // Only infrastructure fails here (the rate-limit write); the delivery comes back when its lease ends.
                log.warn({ err, deliveryId: d.id }, 'delivery not attempted');
              })
              .finally(() => {
                inFlight--;
                perEndpoint.set(d.endpoint_id, (perEndpoint.get(d.endpoint_id) ?? 1) - 1);
                notify();
              });
          }
        }
      }
      if (pending.length >= FLUSH_SIZE || (pending.length > 0 && Date.now() - firstPendingAt >= FLUSH_AFTER_MS)) await flush();
      ctx.heartbeat({ claimed: result.claimed, attempts: result.attempts });
      if (claimed.length === 0) await nap(inFlight === 0 && pending.length === 0 ? input.pollMs : FLUSH_AFTER_MS);
    }
    // Budget spent or cancelled: no new claims; what is in flight finishes and is written.
    while (inFlight > 0) {
      await nap(FLUSH_AFTER_MS);
      if (pending.length >= FLUSH_SIZE) await flush();
      ctx.heartbeat({ draining: inFlight });
    }
    await flush();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (result.claimed > 0) log.info(result, 'dispatch round');
  return result;
}

/** Deliveries of a shard due now or soonest: how long the dispatcher may sleep (null: nothing pending). */
export async function nextDueInMs(db: Executor, shard: number, shards: number): Promise<number | null> {
  const row = await sql<{ due_in_ms: number | null }>`
    SELECT (extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS due_in_ms
    FROM webhook_deliveries WHERE status = 'pending' AND engine = 'dispatcher' AND mod(endpoint_id, ${shards}) = ${shard}`.execute(db);
  const value = row.rows[0]?.due_in_ms;
  return value === null || value === undefined ? null : Math.max(0, Math.ceil(Number(value)));
}
