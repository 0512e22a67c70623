import type { Client } from '@temporalio/client';
import type { Executor } from '../db/connect';
import { rescheduleDelivery, setDeliveryStatus, type DeliveryHandle } from '../db/webhook-delivery.repository';
import { deliveryRunning, startDeliveryWorkflow, type WebhookWorkflowOptions } from '../temporal/webhook-workflows';
import { deliveryWorkflowId } from '../../workflows/webhook.contract';

const CLOSE_WAIT_MS = 5_000;

async function closesSoon(client: Client, d: DeliveryHandle): Promise<boolean> {
  const result = client.workflow.getHandle(deliveryWorkflowId(d.event_id, d.endpoint_id)).result().then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS)));
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a delivery's workflow again (resend, recover): the full retry schedule, attempt numbers continuing after the
 * earlier ones. 'running' when its workflow is still going (nothing is started).
 */
export async function restartDelivery(
  db: Executor,
  client: Client,
  options: WebhookWorkflowOptions,
  d: DeliveryHandle,
  trigger: 'resend' | 'recover',
): Promise<'started' | 'running'> {
  // Carried by the dispatchers: a new schedule is a row update, picked up when due (now).
  if (d.engine === 'dispatcher') return (await rescheduleDelivery(db, d.id, trigger)) ? 'started' : 'running';
  if (await deliveryRunning(client, d.event_id, d.endpoint_id)) {
    // A delivery already final (its last write done) has a workflow about to close: give it a moment.
    if (d.status === 'pending' || !(await closesSoon(client, d))) return 'running';
  }
  // Pending before the start (the new run's first write must not be overwritten), back as it was if the start fails.
  await setDeliveryStatus(db, d.id, 'pending');
  try {
    const started = await startDeliveryWorkflow(
      client,
      options,
      { deliveryId: d.id, eventId: d.event_id, endpointId: d.endpoint_id, eventType: d.event_type },
      { trigger, firstAttempt: d.attempts + 1 },
      true,
    );
    return started === 'started' ? 'started' : 'running';
  } catch (err) {
    await setDeliveryStatus(db, d.id, d.status);
    throw err;
  }
}
