import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect';
import { listIntegrations } from '../db/integration.repository';
import { ensureSyncAllSchedule, putIntegrationSchedule, type IntegrationWorkflowOptions } from '../temporal/integration-workflows';

/**
 * At worker boot: the sync-all Schedule, and every integration's Schedule brought in line with its row (repairs a
 * create or change the API could not pass on to Temporal while it was down).
 */
export async function ensureIntegrationSchedules(db: Db, client: Client, options: IntegrationWorkflowOptions, syncAllMinutes: number): Promise<void> {
  await ensureSyncAllSchedule(client, options, syncAllMinutes);
  let cursor: number | undefined;
  for (;;) {
    const batch = await listIntegrations(db, { cursor, limit: 100 });
    for (const integration of batch) await putIntegrationSchedule(client, options, integration);
    if (batch.length < 100) return;
    cursor = batch[batch.length - 1].id;
  }
}
