import { Context } from '@temporalio/activity';
import { dryRunImport, ImportNotFoundError, importNextBatch } from '../lib/db/client-import-batch.repository';
import { finishImport } from '../lib/db/client-import.repository';
import type { ClientImportRow } from '../lib/db/client-import-tables';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import type { ClientImportResult, ImportStepResult } from '../workflows/client-import.contract';

export interface ClientImportActivityDeps {
  db: Db;
  logger: Logger;
}

/** How long one processing activity goes on before handing back to the workflow (a few events per ~20 s). */
const BUDGET_MS = 20_000;
const HEARTBEAT_MS = 5_000;

const step = (row: ClientImportRow, done: boolean): ImportStepResult => ({
  done,
  processed: row.inserted + row.updated + row.rejected,
  rowsRead: row.rows_read,
});

/** Activities of the client import workflow, built from their dependencies. */
export function createClientImportActivities(deps: ClientImportActivityDeps) {
  const { db, logger } = deps;
  return {
    /** Batches of staged rows until none is left or the budget is spent; heartbeats after each with the progress. */
    async importClientBatches(input: { importId: number; batchRows: number }): Promise<ImportStepResult> {
      const context = Context.current();
      const until = Date.now() + BUDGET_MS;
      for (;;) {
        const outcome = await importNextBatch(db, input.importId, input.batchRows);
        const result = step(outcome.import, outcome.done);
        context.heartbeat(result);
        if (outcome.done || Date.now() >= until) return result;
      }
    },

    /** A dry run's counts in one pass (heartbeating while the statements run). */
    async dryRunClientImport(input: { importId: number }): Promise<ImportStepResult> {
      const context = Context.current();
      context.heartbeat();
      const timer = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        return step(await dryRunImport(db, input.importId), true);
      } finally {
        clearInterval(timer);
      }
    },

    /** Ends the import (completed or failed with the reason) and deletes its staged rows. Idempotent. */
    async finishClientImport(input: { importId: number; status: 'completed' | 'failed'; error: string | null }): Promise<ClientImportResult> {
      const context = Context.current();
      const timer = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        const row = await finishImport(db, input.importId, input.status, input.error);
        if (input.status === 'failed') logger.warn({ importId: input.importId, error: input.error }, 'client import failed');
        if (!row) throw new ImportNotFoundError(input.importId);
        return {
          importId: input.importId,
          status: row.status === 'completed' ? 'completed' : 'failed',
          rowsRead: row.rows_read,
          inserted: row.inserted,
          updated: row.updated,
          rejected: row.rejected,
          error: row.error,
        };
      } finally {
        clearInterval(timer);
      }
    },
  };
}

export type ClientImportActivities = ReturnType<typeof createClientImportActivities>;
