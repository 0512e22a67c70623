import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect';
import { markDispatched } from '../db/webhook-delivery.repository';
import { runPool } from '../run-pool';
import { recordEvent, type NewEvent, type RecordedEvent } from '../db/webhook-event.repository';
import type { Logger } from '../logger';
import { startDeliveryWorkflow, type WebhookWorkflowOptions } from '../temporal/webhook-workflows';
import type { SystemEventPayload, SystemEventType } from './event-catalogue';

/** Workflow starts in flight at once while fanning one event out. */
const DISPATCH_CONCURRENCY = 16;

export interface EventPublisher {
  /** Stores the event and its deliveries (the outbox): the dispatchers pick them up from there. */
  publish(input: NewEvent): Promise<RecordedEvent>;
  /** An event Relay emits itself; the key makes activity retries publish it once. */
  publishSystem<T extends SystemEventType>(
    type: T,
    payload: SystemEventPayload<T>,
    options: { idempotencyKey: string; excludeEndpointId?: number },
  ): Promise<RecordedEvent>;
  /**
   * Starts the workflows of workflow-carried deliveries not yet handed to Temporal (rows from before the dispatchers);
   * dispatcher deliveries are dispatched from the start and are left alone. Returns how many are now in its hands.
   */
  dispatch(event: { id: number; type: string }, deliveries: RecordedEvent['deliveries']): Promise<number>;
}

/** A typed system event, ready for recordEvent (e.g. inside the transaction of the change it reports: an outbox). */
export function systemEvent<T extends SystemEventType>(
  type: T,
  payload: SystemEventPayload<T>,
  options: { idempotencyKey: string; excludeEndpointId?: number },
): NewEvent {
  return { type, payload, source: 'system', idempotencyKey: options.idempotencyKey, excludeEndpointId: options.excludeEndpointId };
}

export function createEventPublisher(deps: { db: Db; client: Client; options: WebhookWorkflowOptions; logger: Logger }): EventPublisher {
  const { db, client, options, logger } = deps;

  const dispatch: EventPublisher['dispatch'] = async (event, deliveries) => {
    const done: number[] = [];
    let failure: unknown;
    await runPool(
      deliveries.filter((d) => d.dispatched_at === null),
      DISPATCH_CONCURRENCY,
      async (d) => {
        try {
          await startDeliveryWorkflow(
            client,
            options,
            { deliveryId: d.id, eventId: event.id, endpointId: d.endpoint_id, eventType: event.type },
            { trigger: 'scheduled', firstAttempt: 1 },
          );
          done.push(d.id);
        } catch (err) {
          failure = err;
        }
      },
    );
    await markDispatched(db, done);
    if (failure !== undefined) {
      // The rows are committed: the dispatch sweep (a Schedule, every minute) starts what failed here.
      logger.warn({ err: failure, eventId: event.id }, 'could not start every delivery workflow; the sweep will');
    }
    return done.length;
  };

  const publish: EventPublisher['publish'] = async (input) => {
    const recorded = await recordEvent(db, input);
    await dispatch(recorded.event, recorded.deliveries);
    if (recorded.created) {
      logger.info({ eventId: recorded.event.id, type: input.type, deliveries: recorded.deliveries.length }, 'event published');
    }
    return recorded;
  };

  return {
    publish,
    dispatch,
    publishSystem: (type, payload, opts) => publish(systemEvent(type, payload, opts)),
  };
}
