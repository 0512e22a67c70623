import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook.activities';
import type { DispatcherState, DispatchResult, DispatchSettings } from './webhook.contract';

/** Continue as new well before histories grow: each round is three events. */
const MAX_HISTORY_EVENTS = 1_000;

const emptyTotals = (): DispatchResult => ({ claimed: 0, attempts: 0, succeeded: 0, failed: 0, exhausted: 0, deferred: 0, released: 0 });

/**
 * One shard's dispatcher, `webhook-dispatcher-<shard>-of-<shards>`: a loop of dispatch activities, each of which claims
 * due deliveries from PostgreSQL and sends them for `budgetMs` (minutes). Deliveries, retries and their due times live
 * in the database, so the history holds a few events per budget whatever the traffic. Infrastructure failures (the
 * database away) retry the activity with back-off; claimed deliveries come back by themselves when their lease ends.
 */
export async function webhookDispatcherWorkflow(settings: DispatchSettings, state?: DispatcherState): Promise<never> {
  const dispatch = proxyActivities<WebhookActivities>({
    startToCloseTimeout: settings.budgetMs + settings.leaseMs + 60_000,
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });
  const current: DispatcherState = state ?? { rounds: 0, totals: emptyTotals(), generation: 0 };
  for (;;) {
    const result = await dispatch.dispatchDeliveries(settings);
    current.rounds++;
    for (const key of Object.keys(current.totals) as (keyof DispatchResult)[]) current.totals[key] += result[key];
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
      return continueAsNew<typeof webhookDispatcherWorkflow>(settings, { ...current, generation: current.generation + 1 });
    }
  }
}
