import { CancellationScope, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook.activities';
import { MAX_ATTEMPTS, nextRetryDelay } from '../lib/webhooks/retry-schedule';
import type { AttemptResult, DeliveryResult, DeliveryWorkflowInput } from './webhook.contract';

// One HTTP attempt: the endpoint timeout is at most 30 s and a rate-limit wait at most 10 s, so 2 minutes is well
// above both. Infrastructure failures (database down) retry inside the attempt; HTTP failures come back as values.
const send = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const bookkeeping = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Delivers one event to one endpoint: an attempt now, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20%) as
 * durable timers, adjusted by Retry-After. Workflow id `webhook-<eventId>-<endpointId>`.
 */
export async function webhookDeliveryWorkflow(input: DeliveryWorkflowInput): Promise<DeliveryResult> {
  const { deliveryId, trigger } = input;
  const maxAttempts = input.maxAttempts ?? MAX_ATTEMPTS;
  let made = 0;
  let last: AttemptResult | null = null;
  let slotReserved = false;
  const result = (status: DeliveryResult['status']): DeliveryResult => ({ deliveryId, status, attempts: made, last });
  try {
    for (;;) {
      const attempt: AttemptResult = await send.attemptDelivery({
        deliveryId,
        attempt: input.firstAttempt + made,
        trigger,
        ...(slotReserved ? { slotReserved } : {}),
      });
      slotReserved = attempt.outcome === 'throttled';
      if (attempt.outcome === 'throttled') {
        // The endpoint's rate limit reserved a slot this far ahead: wait for it durably, then send.
        await sleep(attempt.retryInMs ?? 1_000);
        continue;
      }
      if (attempt.outcome === 'skipped') return result(attempt.deliveryStatus ?? 'cancelled');
      made++;
      last = attempt;
      if (attempt.outcome === 'succeeded') return result('succeeded');
      if (attempt.outcome === 'disabled') {
        // 410 or five failing days: this delivery's attempts are over too.
        await bookkeeping.exhaustDelivery({ deliveryId, notify: trigger !== 'test' });
        return result('failed');
      }
      const delay = nextRetryDelay(made, attempt.failure ?? { kind: 'http', statusCode: attempt.statusCode, retryAfterMs: null }, Math.random, maxAttempts);
      if (delay === null) {
        await bookkeeping.exhaustDelivery({ deliveryId, notify: trigger !== 'test' });
        return result('failed');
      }
      await bookkeeping.scheduleRetry({ deliveryId, nextAttemptAt: new Date(Date.now() + delay).toISOString() });
      await sleep(delay);
    }
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => bookkeeping.cancelDelivery({ deliveryId }));
    throw err;
  }
}
