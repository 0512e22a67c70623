// Shared by the client import workflow, its activities and the API: names and payload types (no I/O here).

export const CLIENT_IMPORT_WORKFLOW_TYPE = 'clientImportWorkflow';
export const clientImportWorkflowId = (importId: number): string => `client-import-${importId}`;

/** Failures that end an import at once: retrying cannot bring staged rows back or a deleted import. */
export const CLIENT_IMPORT_NON_RETRYABLE_ERRORS = ['ImportStagingLostError', 'ImportNotFoundError'];

export interface ClientImportInput {
  importId: number;
  dryRun: boolean;
  /** Staged rows per transaction (IMPORT_BATCH_ROWS). */
  batchRows: number;
  /** Activities per execution before continue-as-new (default 200; tests use fewer). */
  activitiesPerExecution?: number;
}

/** What one processing activity did: whether the import has rows left, and its counters now. */
export interface ImportStepResult {
  done: boolean;
  processed: number;
  rowsRead: number;
}

export interface ClientImportResult {
  importId: number;
  status: 'completed' | 'failed';
  rowsRead: number;
  inserted: number;
  updated: number;
  rejected: number;
  error: string | null;
}
