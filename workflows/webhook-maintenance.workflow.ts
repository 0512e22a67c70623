import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook.activities';
import type { RecoverWorkflowInput, RetentionResult } from './webhook.contract';

const acts = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

const RECOVER_PAGE = 100;
const PAGES_PER_RUN = 50;

/** Restarts every failed delivery of an endpoint created in [since, until), a page at a time; bounded history. */
export async function webhookRecoverWorkflow(input: RecoverWorkflowInput): Promise<{ restarted: number }> {
  let afterId = input.afterId ?? 0;
  let restarted = input.restarted ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result = await acts.recoverPage({ endpointId: input.endpointId, since: input.since, until: input.until, afterId, limit: RECOVER_PAGE });
    restarted += result.restarted;
    afterId = result.lastId;
    if (!result.more) return { restarted };
  }
  return continueAsNew<typeof webhookRecoverWorkflow>({ ...input, afterId, restarted });
}

/** Run by a Schedule every minute: hands deliveries that never reached Temporal (a crash after commit) to it. */
export async function webhookDispatchSweepWorkflow(): Promise<{ dispatched: number }> {
  return acts.dispatchStragglers({ olderThanMs: 30_000, limit: 1_000 });
}

/** Run by a daily Schedule: deletes attempts and event payloads older than the retention period. */
export async function webhookRetentionWorkflow(input: { retentionDays: number }): Promise<RetentionResult> {
  return acts.purgeWebhookData({ retentionDays: input.retentionDays, batchSize: 5_000 });
}
