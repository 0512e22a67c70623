import type { NormalizedRecord } from '../integrations/plugin';
import { inTransaction, type Executor } from './connect';
import { upsertRecords } from './integration-record.repository';
import type { IntegrationRunRow, RunStatus, RunTrigger } from './integration-tables';

export interface NewRun {
  integrationId: number;
  trigger: RunTrigger;
  fullResync: boolean;
  /** The workflow's id when known (a Schedule's run), or made from the new run's id (a run the API starts). */
  workflowId: string | null | ((runId: number) => string);
}

/** Runs of a deleted integration cannot be opened. */
export class IntegrationMissingError extends Error {
  constructor(readonly integrationId: number) {
    super(`integration ${integrationId} does not exist`);
    this.name = 'IntegrationMissingError';
  }
}

/** NUL cannot be stored in text; error texts are also kept short enough to read. */
const storableError = (error: string | null): string | null => (error === null ? null : error.replace(/\u0000/g, '').slice(0, 4_000));

/**
 * Every transaction that touches a run locks its integration first (then the run, then records), the order a claim and
 * a cascade delete of the integration take, so these transactions queue instead of deadlocking.
 */
async function lockIntegrationOfRun(tx: Executor, runId: number): Promise<void> {
  await tx
    .selectFrom('integrations')
    .select('id')
    .where('id', '=', (eb) => eb.selectFrom('integration_runs').select('integration_id').where('id', '=', runId))
    .forUpdate()
    .execute();
}

/**
 * Opens a run, or reports the run already going (the partial unique index allows one running run per integration,
 * whoever starts it). A full resync starts from no cursor at its first page (see the sync activity); the saved
 * cursor stays until that page is stored, so a run that never starts changes nothing.
 */
export async function claimRun(db: Executor, run: NewRun): Promise<{ run: IntegrationRunRow; claimed: boolean }> {
  return inTransaction(db, async (tx) => {
    const integration = await tx.selectFrom('integrations').select(['id', 'cursor']).where('id', '=', run.integrationId).forUpdate().executeTakeFirst();
    if (!integration) throw new IntegrationMissingError(run.integrationId);
    const inserted = await tx
      .insertInto('integration_runs')
      .values({
        integration_id: run.integrationId,
        trigger: run.trigger,
        full_resync: run.fullResync,
        workflow_id: typeof run.workflowId === 'function' ? null : run.workflowId,
        cursor_start: run.fullResync ? null : integration.cursor,
      })
      .onConflict((oc) => oc.column('integration_id').where('status', '=', 'running').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      const running = await tx.selectFrom('integration_runs').selectAll().where('integration_id', '=', run.integrationId).where('status', '=', 'running').executeTakeFirstOrThrow();
      return { run: running, claimed: false };
    }
    if (typeof run.workflowId === 'function') {
      inserted.workflow_id = run.workflowId(inserted.id);
      await tx.updateTable('integration_runs').set({ workflow_id: inserted.workflow_id }).where('id', '=', inserted.id).execute();
    }
    await tx.updateTable('integrations').set({ last_run_id: inserted.id, last_run_status: 'running', last_run_at: inserted.started_at }).where('id', '=', run.integrationId).execute();
    return { run: inserted, claimed: true };
  });
}

export async function findRun(db: Executor, runId: number): Promise<IntegrationRunRow | undefined> {
  return db.selectFrom('integration_runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

export async function runningRun(db: Executor, integrationId: number): Promise<IntegrationRunRow | undefined> {
  return db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integrationId).where('status', '=', 'running').executeTakeFirst();
}

/** Runs of an integration, newest first; `cursor` is the last id of the previous page. */
export async function listRuns(db: Executor, integrationId: number, f: { status?: RunStatus; cursor?: number; limit: number }): Promise<IntegrationRunRow[]> {
  let q = db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integrationId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.cursor !== undefined) q = q.where('id', '<', f.cursor);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

/** Ends a running run (no-op when it already ended); returns the row as it now is. */
export async function finishRun(db: Executor, runId: number, status: Exclude<RunStatus, 'running'>, error: string | null): Promise<IntegrationRunRow | undefined> {
  return inTransaction(db, async (tx) => {
    await lockIntegrationOfRun(tx, runId);
    const ended = await tx
      .updateTable('integration_runs')
      .set({ status, error: storableError(error), finished_at: new Date() })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .returningAll()
      .executeTakeFirst();
    if (ended) {
      await tx
        .updateTable('integrations')
        .set({ last_run_status: status, last_run_at: ended.finished_at })
        .where('id', '=', ended.integration_id)
        .where('last_run_id', '=', runId)
        .execute();
      return ended;
    }
    return tx.selectFrom('integration_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  });
}

export interface StoredPage {
  fetched: number;
  inserted: number;
  updated: number;
  more: boolean;
  /** The page had been stored before (a retry after the commit): nothing was written now. */
  replayed: boolean;
}

export type StorePageResult = StoredPage | { ended: 'deleted' | Exclude<RunStatus, 'running'> };

/**
 * Stores page `page` of a run in one transaction: the records, the integration's new cursor (the checkpoint) and the
 * run's counters. A page already stored (an activity retried after its commit, or a duplicate execution) writes
 * nothing, so no count is taken twice and the cursor never moves back. A run that ended (or was deleted with its
 * integration) meanwhile stores nothing either and says so.
 */
export async function storePage(
  db: Executor,
  input: { runId: number; page: number; records: NormalizedRecord[]; nextCursor: string | null; hasMore: boolean },
): Promise<StorePageResult> {
  return inTransaction(db, async (tx) => {
    await lockIntegrationOfRun(tx, input.runId);
    const run = await tx.selectFrom('integration_runs').selectAll().where('id', '=', input.runId).forUpdate().executeTakeFirst();
    if (!run) return { ended: 'deleted' };
    if (run.status !== 'running') return { ended: run.status };
    if (run.pages >= input.page) return { fetched: 0, inserted: 0, updated: 0, more: run.more, replayed: true };
    const { inserted, updated } = await upsertRecords(tx, run.integration_id, run.id, input.records);
    await tx.updateTable('integrations').set({ cursor: input.nextCursor, cursor_updated_at: new Date() }).where('id', '=', run.integration_id).execute();
    await tx
      .updateTable('integration_runs')
      .set((eb) => ({
        pages: input.page,
        fetched: eb('fetched', '+', input.records.length),
        inserted: eb('inserted', '+', inserted),
        updated: eb('updated', '+', updated),
        more: input.hasMore,
      }))
      .where('id', '=', run.id)
      .execute();
    return { fetched: input.records.length, inserted, updated, more: input.hasMore, replayed: false };
  });
}
