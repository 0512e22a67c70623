import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import {
  failedDeliveriesSince,
  findDelivery,
  setDeliveryStatus,
  setNextAttempt,
  undispatchedDeliveries,
} from '../lib/db/webhook-delivery.repository';
import { findEvent } from '../lib/db/webhook-event.repository';
import { restartDelivery } from '../lib/webhooks/restart';
import type { AttemptInput, AttemptResult, DispatchInput, DispatchResult, RecoverPage, RetentionResult } from '../workflows/webhook.contract';
import { dispatchDeliveries } from './webhook-dispatch';
import { attemptDelivery, type WebhookActivityDeps } from './webhook-attempt';

export type { WebhookActivityDeps };

/** Operational events never cause more operational events about themselves. */
const OPERATIONAL_TYPES = new Set(['message.attempt.exhausted', 'endpoint.disabled', 'webhook.test']);

/** Activities of the webhook workflows, built from their dependencies. */
export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { db, logger, events } = deps;
  return {
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      return attemptDelivery(deps, input);
    },

    /** A dispatcher's round: claims due deliveries and sends them for the settings' budget (webhook-dispatch.ts). */
    async dispatchDeliveries(input: DispatchInput): Promise<DispatchResult> {
      return dispatchDeliveries(deps, input);
    },

    async scheduleRetry({ deliveryId, nextAttemptAt }: { deliveryId: number; nextAttemptAt: string }): Promise<void> {
      await setNextAttempt(db, deliveryId, new Date(nextAttemptAt));
    },

    /** The last attempt failed: the delivery is failed, and subscribers hear `message.attempt.exhausted`. */
    async exhaustDelivery({ deliveryId, notify }: { deliveryId: number; notify: boolean }): Promise<void> {
      await setDeliveryStatus(db, deliveryId, 'failed');
      const delivery = await findDelivery(db, deliveryId);
      const event = delivery && (await findEvent(db, delivery.event_id));
      if (!delivery || !event) return;
      logger.warn({ deliveryId, eventId: event.id, endpointId: delivery.endpoint_id, attempts: delivery.attempts }, 'webhook delivery exhausted');
      if (!notify || OPERATIONAL_TYPES.has(event.type)) return;
      await events.publishSystem(
        'message.attempt.exhausted',
        {
          deliveryId,
          eventId: event.id,
          eventType: event.type,
          endpointId: delivery.endpoint_id,
          attempts: delivery.attempts,
          lastStatusCode: delivery.last_status_code,
          lastError: delivery.last_error,
        },
        { idempotencyKey: `message.attempt.exhausted:${deliveryId}:${delivery.attempts}`, excludeEndpointId: delivery.endpoint_id },
      );
    },

    async cancelDelivery({ deliveryId }: { deliveryId: number }): Promise<void> {
      await setDeliveryStatus(db, deliveryId, 'cancelled', 'delivery workflow cancelled');
    },

    /** One page of an endpoint's failed deliveries, each run again (those still running are left alone). */
    async recoverPage(input: { endpointId: number; since: string; until: string; afterId: number; limit: number }): Promise<RecoverPage> {
      const rows = await failedDeliveriesSince(db, { ...input, since: new Date(input.since), until: new Date(input.until) });
      let restarted = 0;
      for (const row of rows) {
        if ((await restartDelivery(db, deps.temporal.client, deps.temporal.options, row, 'recover')) === 'started') restarted++;
        Context.current().heartbeat(row.id);
      }
      logger.info({ endpointId: input.endpointId, restarted, page: rows.length }, 'recovered failed deliveries');
      return { restarted, lastId: rows.at(-1)?.id ?? input.afterId, more: rows.length === input.limit };
    },

    /** Starts the workflows of deliveries committed but never handed to Temporal. */
    async dispatchStragglers({ olderThanMs, limit }: { olderThanMs: number; limit: number }): Promise<{ dispatched: number }> {
      const rows = await undispatchedDeliveries(db, olderThanMs, limit);
      const byEvent = new Map<number, typeof rows>();
      for (const row of rows) byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), row]);
      let dispatched = 0;
      for (const [eventId, deliveries] of byEvent) {
        dispatched += await events.dispatch({ id: eventId, type: deliveries[0].event_type }, deliveries);
      }
      if (dispatched > 0) logger.warn({ dispatched }, 'dispatched deliveries the publisher had not handed to Temporal');
      return { dispatched };
    },

    /** Deletes attempts and event payloads older than the retention period, in batches. */
    async purgeWebhookData({ retentionDays, batchSize }: { retentionDays: number; batchSize: number }): Promise<RetentionResult> {
      const cutoff = sql<Date>`now() - ${`${retentionDays} days`}::interval`;
      const result: RetentionResult = { attemptsDeleted: 0, payloadsDeleted: 0 };
      for (;;) {
        const deleted = await sql`delete from webhook_attempts where id in (
          select id from webhook_attempts where started_at < ${cutoff} limit ${batchSize})`.execute(db);
        result.attemptsDeleted += Number(deleted.numAffectedRows ?? 0);
        Context.current().heartbeat(result);
        if (Number(deleted.numAffectedRows ?? 0) < batchSize) break;
      }
      for (;;) {
        const cleared = await sql`update webhook_events set payload = null, payload_deleted_at = now() where id in (
          select id from webhook_events where created_at < ${cutoff} and payload_deleted_at is null limit ${batchSize})`.execute(db);
        result.payloadsDeleted += Number(cleared.numAffectedRows ?? 0);
        Context.current().heartbeat(result);
        if (Number(cleared.numAffectedRows ?? 0) < batchSize) break;
      }
      logger.info({ retentionDays, ...result }, 'webhook retention done');
      return result;
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
