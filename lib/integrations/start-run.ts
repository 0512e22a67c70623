import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect';
import { finishRun } from '../db/integration-run.repository';
import type { IntegrationRow, IntegrationRunRow, RunTrigger } from '../db/integration-tables';
import { startSyncWorkflow, type IntegrationWorkflowOptions } from '../temporal/integration-workflows';
import { syncWorkflowId } from '../../workflows/integration.contract';
import { claimSyncRun } from './claim';

export type StartedRun = { started: true; run: IntegrationRunRow; workflowId: string } | { started: false; running: IntegrationRunRow };

/**
 * Opens a run and starts its workflow `sync-<integrationId>-<runId>` (sync now, full resync, sync all). When another
 * run is going nothing starts. When Temporal refuses the start, the run is closed as failed and the error thrown.
 */
export async function startRun(
  db: Db,
  client: Client,
  options: IntegrationWorkflowOptions,
  integration: Pick<IntegrationRow, 'id' | 'priority'>,
  how: { trigger: RunTrigger; fullResync: boolean },
): Promise<StartedRun> {
  const { run, claimed } = await claimSyncRun(db, client, {
    integrationId: integration.id,
    trigger: how.trigger,
    fullResync: how.fullResync,
    workflowId: (runId) => syncWorkflowId(integration.id, runId),
  });
  if (!claimed) return { started: false, running: run };
  const workflowId = syncWorkflowId(integration.id, run.id);
  try {
    await startSyncWorkflow(client, options, { integrationId: integration.id, runId: run.id, priority: integration.priority, ...how });
  } catch (err) {
    await finishRun(db, run.id, 'failed', `its workflow could not be started: ${(err as Error).message}`);
    throw err;
  }
  return { started: true, run, workflowId };
}
