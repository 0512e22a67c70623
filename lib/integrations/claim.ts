import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect';
import { claimRun, finishRun, type NewRun } from '../db/integration-run.repository';
import type { IntegrationRunRow } from '../db/integration-tables';
import { workflowRunning } from '../temporal/workflow-status';

/** A running run younger than this is never judged stale: its workflow may be starting right now. */
const STALE_AFTER_MS = 60_000;

/**
 * Opens a run of an integration, unless another is going. A "running" row whose workflow is gone (terminated from the
 * Temporal UI, say) would block the integration forever: it is closed as failed and the claim tried once more.
 */
export async function claimSyncRun(db: Db, client: Client, run: NewRun): Promise<{ run: IntegrationRunRow; claimed: boolean }> {
  const first = await claimRun(db, run);
  if (first.claimed) return first;
  const other = first.run;
  const old = Date.now() - other.started_at.getTime() > STALE_AFTER_MS;
  if (!old || (other.workflow_id !== null && (await workflowRunning(client, other.workflow_id)))) return first;
  await finishRun(db, other.id, 'failed', 'its workflow ended without finishing the run (terminated or timed out)');
  return claimRun(db, run);
}
