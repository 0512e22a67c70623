import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect';
import { listIntegrations } from '../db/integration.repository';
import type { Logger } from '../logger';
import { ensureSyncAllSchedule, putIntegrationSchedule, type IntegrationWorkflowOptions } from '../temporal/integration-workflows';

/**
 * At worker boot: the sync-all Schedule, and every integration's Schedule brought in line with its row (repairs a
 * create or change the API could not pass on to Temporal while it was down).
 */
export async function ensureIntegrationSchedules(db: Db, client: Client, options: IntegrationWorkflowOptions, syncAllMinutes: number, logger: Logger): Promise<void> {
  await ensureSyncAllSchedule(client, options, syncAllMinutes);
  let cursor: number | undefined;
  for (;;) {
    const batch = await listIntegrations(db, { cursor, limit: 100 });
    for (const integration of batch) {
      // One integration Temporal refuses (a cron an older version accepted) does not keep the others out of step.
      await putIntegrationSchedule(client, options, integration).catch((err: unknown) =>
        logger.error({ err, integrationId: integration.id }, 'could not bring the integration’s Schedule in line'),
      );
    }
    if (batch.length < 100) return;
    cursor = batch[batch.length - 1].id;
  }
}
