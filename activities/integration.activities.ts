import { Context } from '@temporalio/activity';
import { listIntegrations } from '../lib/db/integration.repository';
import { finishRun, storePage } from '../lib/db/integration-run.repository';
import type { IntegrationRunRow, RunStatus, RunTrigger } from '../lib/db/integration-tables';
import { claimSyncRun } from '../lib/integrations/claim';
import { ProviderConfigError, UpstreamError } from '../lib/integrations/errors';
import { fetchOnePage } from '../lib/integrations/fetch-page';
import { startRun } from '../lib/integrations/start-run';
import { deleteIntegrationSchedule } from '../lib/temporal/integration-workflows';
import type { NormalizedRecord } from '../lib/integrations/plugin';
import type { BeginRunResult, RunSummary, SyncAllResult, SyncPageInput, SyncPageResult } from '../workflows/integration.contract';
import { loadSyncTarget, requireRun, type IntegrationActivityDeps } from './integration-context';
import { asActivityFailure, IntegrationGoneError } from './integration-failures';

export type { IntegrationActivityDeps };

const HEARTBEAT_MS = 5_000;
/** A run longer than this is an upstream that ignores paging (a full page forever), not a big data set. */
const MAX_PAGES_PER_RUN = 200_000;

/** Runs `work`, heartbeating meanwhile (a dead worker is noticed by the heartbeat timeout), with failures typed. */
async function upstreamStep<T>(details: unknown, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), HEARTBEAT_MS);
  try {
    return await work();
  } catch (err) {
    throw asActivityFailure(err);
  } finally {
    clearInterval(timer);
  }
}

const runSummary = (run: IntegrationRunRow): RunSummary => ({
  runId: run.id,
  status: run.status,
  pages: run.pages,
  fetched: run.fetched,
  inserted: run.inserted,
  updated: run.updated,
  error: run.error,
});

/** Activities of the integration sync workflows, built from their dependencies. */
export function createIntegrationActivities(deps: IntegrationActivityDeps) {
  const { db, logger, events, temporal } = deps;
  const { options } = deps.integrations;

  return {
    /** Opens a run for a workflow its Schedule started; skipped while another run goes or the integration is inactive. */
    async beginSyncRun(input: { integrationId: number; trigger: RunTrigger; fullResync: boolean; workflowId: string }): Promise<BeginRunResult> {
      const integration = await db.selectFrom('integrations').select(['id', 'active']).where('id', '=', input.integrationId).executeTakeFirst();
      if (!integration) {
        // A Schedule that outlived its integration (its delete could not reach Temporal): it removes itself.
        await deleteIntegrationSchedule(temporal.client, input.integrationId);
        return { runId: null, skipped: 'deleted' };
      }
      if (!integration.active) return { runId: null, skipped: 'inactive' };
      const { run, claimed } = await claimSyncRun(db, temporal.client, input);
      if (claimed) return { runId: run.id };
      // The same workflow retrying this activity after its claim committed finds its own run.
      if (run.workflow_id === input.workflowId) return { runId: run.id };
      logger.info({ integrationId: input.integrationId, runningRunId: run.id }, 'sync skipped: another run of this integration is going');
      return { runId: null, skipped: 'running' };
    },

    /** The provider's connection test: bad credentials fail the run here, before any page. */
    async checkIntegration({ runId }: { runId: number }): Promise<void> {
      await upstreamStep({ runId, step: 'check' }, async () => {
        const { provider, ctx } = await loadSyncTarget(deps, await requireRun(db, runId));
        await provider.check(ctx);
      });
    },

    /** Fetch one page from the saved cursor, normalize it, and store records + cursor + counts in one transaction. */
    async syncPage({ runId, page }: SyncPageInput): Promise<SyncPageResult> {
      return upstreamStep({ runId, page }, async () => {
        const stored = await requireRun(db, runId);
        // Ended meanwhile (its start was judged failed, or it was closed as stale): fetch nothing more for it.
        if (stored.status !== 'running') throw new IntegrationGoneError(`run ${runId} already ended as ${stored.status}`);
        // Stored before (the activity's answer was lost): the checkpoint has moved on; report and go on from there.
        if (stored.pages >= page) return { more: stored.more, fetched: 0, inserted: 0, updated: 0 };
        if (page > MAX_PAGES_PER_RUN) throw new ProviderConfigError(`more than ${MAX_PAGES_PER_RUN} pages in one run: the upstream seems to ignore the paging parameters`);
        const { integration, provider, ctx } = await loadSyncTarget(deps, stored);
        // A full resync's first page starts from nothing; every other page from the checkpoint the last one saved.
        const cursor = stored.pages === 0 && stored.full_resync ? null : integration.cursor;
        const fetched = await fetchOnePage(provider, ctx, cursor);
        if (fetched.hasMore && fetched.nextCursor === cursor) {
          throw new ProviderConfigError(`provider '${provider.id}' gave the same cursor back: the upstream seems to ignore the paging parameters`);
        }
        const records: NormalizedRecord[] = fetched.records.map((raw, i) => {
          try {
            return provider.normalize(raw, ctx.config);
          } catch (err) {
            throw new UpstreamError(`record ${i} of page ${page} cannot be normalized: ${(err as Error).message}`, null, false);
          }
        });
        const result = await storePage(db, { runId, page, records, nextCursor: fetched.nextCursor, hasMore: fetched.hasMore });
        if ('ended' in result) throw new IntegrationGoneError(`run ${runId} ${result.ended === 'deleted' ? 'was deleted with its integration' : `ended as ${result.ended}`} meanwhile`);
        ctx.logger.debug({ page, fetched: result.fetched, inserted: result.inserted, updated: result.updated, more: result.more }, 'sync page stored');
        return { more: result.more, fetched: result.fetched, inserted: result.inserted, updated: result.updated };
      });
    },

    /** Ends the run and tells subscribers (`integration.sync.succeeded` / `.failed`, keyed so a retry publishes once). */
    async finishSyncRun({ runId, status, error }: { runId: number; status: Exclude<RunStatus, 'running'>; error: string | null }): Promise<RunSummary> {
      const run = await finishRun(db, runId, status, error);
      if (!run) {
        // The integration was deleted with its runs while this one went: nothing to record, nobody to tell.
        logger.info({ runId, status }, 'sync run ended after its integration was deleted');
        return { runId, status, pages: 0, fetched: 0, inserted: 0, updated: 0, error };
      }
      const log = { integrationId: run.integration_id, runId, status: run.status, pages: run.pages, fetched: run.fetched, inserted: run.inserted, updated: run.updated };
      if (run.status === 'failed') logger.warn({ ...log, error: run.error }, 'sync run failed');
      else logger.info(log, 'sync run finished');
      if (run.status === 'succeeded') {
        await events.publishSystem(
          'integration.sync.succeeded',
          { integrationId: run.integration_id, runId: String(run.id), pages: run.pages, fetched: run.fetched, inserted: run.inserted, updated: run.updated },
          { idempotencyKey: `integration.sync:${run.id}` },
        );
      } else if (run.status === 'failed') {
        await events.publishSystem(
          'integration.sync.failed',
          { integrationId: run.integration_id, runId: String(run.id), error: run.error ?? 'unknown error' },
          { idempotencyKey: `integration.sync:${run.id}` },
        );
      }
      return runSummary(run);
    },

    /** The sync-all Schedule's work: a run for every active integration not syncing already. */
    async startAllSyncs({ scheduledBy }: { scheduledBy: string }): Promise<SyncAllResult> {
      const context = Context.current();
      let started = 0;
      let skipped = 0;
      let cursor: number | undefined;
      for (;;) {
        const batch = await listIntegrations(db, { active: true, cursor, limit: 100 });
        for (const integration of batch) {
          context.heartbeat({ integrationId: integration.id });
          try {
            const outcome = await startRun(db, temporal.client, options, integration, { trigger: 'sync-all', fullResync: false });
            if (outcome.started) started++;
            else skipped++;
          } catch (err) {
            skipped++;
            logger.error({ err, integrationId: integration.id, scheduledBy }, 'sync-all could not start a sync');
          }
        }
        if (batch.length < 100) return { started, skipped };
        cursor = batch[batch.length - 1].id;
      }
    },
  };
}

export type IntegrationActivities = ReturnType<typeof createIntegrationActivities>;
