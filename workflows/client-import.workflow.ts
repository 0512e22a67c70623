import { ActivityFailure, ApplicationFailure, CancellationScope, continueAsNew, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ClientImportActivities } from '../activities/client-import.activities';
import { CLIENT_IMPORT_NON_RETRYABLE_ERRORS, type ClientImportInput, type ClientImportResult } from './client-import.contract';

// The work: batches of staged rows upserted in one transaction each, for up to ~20 s per activity, heartbeating per
// batch (a dead worker is noticed in 30 s; the retry resumes at the import's cursor, so nothing is done twice).
// Database errors retry with backoff for as long as it takes; lost staging rows or a deleted import never.
const work = proxyActivities<ClientImportActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: CLIENT_IMPORT_NON_RETRYABLE_ERRORS },
});
// Bookkeeping: the import's ending and its staging rows' deletion, retried until it works (unless the import is gone).
const books = proxyActivities<ClientImportActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: CLIENT_IMPORT_NON_RETRYABLE_ERRORS },
});

/** About 6 history events per activity: a few hundred per execution, whatever the file's size. */
const ACTIVITIES_PER_EXECUTION = 200;

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * One bulk client import, `client-import-<id>`: the API has staged the checked rows; this upserts them into clients
 * batch by batch (or, for a dry run, counts what would happen), then ends the import and deletes its staged rows.
 * Progress is the import row's counters, moved with each batch (GET /clients/imports/{id}).
 */
export async function clientImportWorkflow(input: ClientImportInput): Promise<ClientImportResult> {
  const end = (status: 'completed' | 'failed', error: string | null) =>
    CancellationScope.nonCancellable(() => books.finishClientImport({ importId: input.importId, status, error }));
  try {
    if (input.dryRun) {
      await work.dryRunClientImport({ importId: input.importId });
    } else {
      let done = false;
      for (let n = 0; n < (input.activitiesPerExecution ?? ACTIVITIES_PER_EXECUTION) && !done; n++) {
        done = (await work.importClientBatches({ importId: input.importId, batchRows: input.batchRows })).done;
      }
      if (!done) return continueAsNew<typeof clientImportWorkflow>(input);
    }
  } catch (err) {
    const message = isCancellation(err) ? 'the import workflow was cancelled' : failureMessage(err);
    await end('failed', message);
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(message, 'ClientImportFailed');
  }
  return end('completed', null);
}
