import { ActivityFailure, ApplicationFailure, CancellationScope, continueAsNew, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { IntegrationActivities } from '../activities/integration.activities';
import { SYNC_NON_RETRYABLE_ERRORS, type RunSummary, type SyncResult, type SyncWorkflowInput } from './integration.contract';

// Bookkeeping against our own database: retried until it works (a database outage must not lose the run's ending).
const books = proxyActivities<IntegrationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// Upstream calls: one page per activity, heartbeating while it waits so a dead worker is noticed in 30 s. 429 and 5xx
// retry with backoff (or exactly the Retry-After the upstream sent, via nextRetryDelay); auth and config errors never.
const upstream = proxyActivities<IntegrationActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10, nonRetryableErrorTypes: SYNC_NON_RETRYABLE_ERRORS },
});

// The sync-all sweep: one activity over every active integration, heartbeating per integration.
const sweep = proxyActivities<IntegrationActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Pages per execution before continue-as-new (about 6 history events each). */
const PAGES_PER_EXECUTION = 500;

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}

const summary = (input: SyncWorkflowInput, run: RunSummary): SyncResult => ({
  integrationId: input.integrationId,
  runId: run.runId,
  status: run.status,
  pages: run.pages,
  fetched: run.fetched,
  inserted: run.inserted,
  updated: run.updated,
});

/**
 * One sync run of one integration: check the connection, then page by page fetch → normalize → upsert → save the
 * cursor (inside one activity per page, so a crash resumes from the last saved page). Workflow id
 * `sync-<integrationId>-<runId>` (API) or `sync-<integrationId>-<time>` (its Schedule).
 */
export async function integrationSyncWorkflow(input: SyncWorkflowInput): Promise<SyncResult> {
  // Opening and ending the run never stop half-way for a cancellation: a cancelled workflow must not leave its run
  // `running` (it would hold the integration's lock). A cancellation asked meanwhile lands at the next page.
  const bookkeeping = <T>(work: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(work);
  let runId = input.runId;
  if (runId === undefined) {
    const begun = await bookkeeping(() =>
      books.beginSyncRun({
        integrationId: input.integrationId,
        trigger: input.trigger,
        fullResync: input.fullResync ?? false,
        workflowId: workflowInfo().workflowId,
      }),
    );
    if (begun.runId === null) {
      return { integrationId: input.integrationId, runId: null, status: 'skipped', skipped: begun.skipped, pages: 0, fetched: 0, inserted: 0, updated: 0 };
    }
    runId = begun.runId;
  }
  let pagesDone = input.pagesDone ?? 0;
  let finished = false;
  try {
    if (pagesDone === 0) await upstream.checkIntegration({ runId });
    for (let n = 0; n < (input.pagesPerExecution ?? PAGES_PER_EXECUTION); n++) {
      const page = await upstream.syncPage({ runId, page: pagesDone + 1 });
      pagesDone++;
      if (!page.more) {
        finished = true;
        break;
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      await bookkeeping(() => books.finishSyncRun({ runId, status: 'cancelled', error: 'the sync workflow was cancelled' }));
      throw err;
    }
    const message = failureMessage(err);
    await bookkeeping(() => books.finishSyncRun({ runId, status: 'failed', error: message }));
    // The workflow fails too, so the Temporal UI shows the run red with the reason.
    throw ApplicationFailure.nonRetryable(message, 'SyncFailed');
  }
  if (!finished) return continueAsNew<typeof integrationSyncWorkflow>({ ...input, runId, pagesDone });
  return summary(input, await bookkeeping(() => books.finishSyncRun({ runId, status: 'succeeded', error: null })));
}

/** Run by the sync-all Schedule: starts a sync of every active integration that is not syncing already. */
export async function syncAllIntegrationsWorkflow(): Promise<{ started: number; skipped: number }> {
  return sweep.startAllSyncs({ scheduledBy: workflowInfo().workflowId });
}
