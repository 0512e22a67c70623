import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { CLIENT_IMPORT_WORKFLOW_TYPE, clientImportWorkflowId, type ClientImportInput } from '../../workflows/client-import.contract';
import { KIND_ATTRIBUTE } from './search-attributes';

/** The client import's settings (IMPORT_*), and where its workflow runs (the mailing task queue). */
export interface ClientImportSettings {
  taskQueue: string;
  searchAttributes: boolean;
  /** Largest upload accepted, in bytes (413 beyond). */
  maxBytes: number;
  /** Staged rows per upsert transaction. */
  batchRows: number;
  /** Rejected rows kept for the report per import (all are counted). */
  maxRejections: number;
}

export function clientImportSettingsFromConfig(config: Config): ClientImportSettings {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES,
    maxBytes: config.IMPORT_MAX_BYTES,
    batchRows: config.IMPORT_BATCH_ROWS,
    maxRejections: config.IMPORT_MAX_REJECTIONS,
  };
}

/** Starts `client-import-<id>` for an import whose rows are staged. */
export async function startClientImportWorkflow(client: Client, settings: ClientImportSettings, run: { importId: number; dryRun: boolean }): Promise<string> {
  const input: ClientImportInput = { importId: run.importId, dryRun: run.dryRun, batchRows: settings.batchRows };
  const handle = await client.workflow.start(CLIENT_IMPORT_WORKFLOW_TYPE, {
    workflowId: clientImportWorkflowId(run.importId),
    taskQueue: settings.taskQueue,
    args: [input],
    // The import row is what makes this start once. A closed run of the same id can only be from an earlier
    // database (ids restart when ./data/pglite is reset but Temporal's store is kept): it must not block this import.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    memo: { importId: run.importId, dryRun: run.dryRun },
    ...(settings.searchAttributes ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'client-import' }] } : {}),
  });
  return handle.workflowId;
}
