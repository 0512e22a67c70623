// Shared by the sync workflows, their activities and the API: names and payload types (no I/O here).
import type { RunStatus, RunTrigger } from '../lib/db/integration-tables';

export const SYNC_WORKFLOW_TYPE = 'integrationSyncWorkflow';
export const SYNC_ALL_WORKFLOW_TYPE = 'syncAllIntegrationsWorkflow';

/** Runs started by the API: `sync-<integrationId>-<runId>`. A Schedule's runs are `sync-<integrationId>-<scheduled time>`. */
export const syncWorkflowId = (integrationId: number, runId: number): string => `sync-${integrationId}-${runId}`;
/** The prefix a Schedule's action uses; Temporal appends the scheduled time. */
export const scheduledSyncWorkflowId = (integrationId: number): string => `sync-${integrationId}`;
export const integrationScheduleId = (integrationId: number): string => `relay-integration-${integrationId}`;
export const SYNC_ALL_SCHEDULE_ID = 'relay-integrations-sync-all';

/** Failures that end a run at once: retrying cannot help (the run is marked failed with the message). */
export const SYNC_NON_RETRYABLE_ERRORS = ['IntegrationAuthError', 'ProviderConfigError', 'UpstreamRequestError', 'CredentialUnreadable', 'IntegrationGone'];

export interface SyncWorkflowInput {
  integrationId: number;
  trigger: RunTrigger;
  fullResync?: boolean;
  /** Set when the API opened the run before starting the workflow (sync now); the workflow opens it otherwise. */
  runId?: number;
  /** Pages stored by earlier executions of this run (continue-as-new). */
  pagesDone?: number;
  /** Pages per execution before continue-as-new (default 500; tests use fewer). */
  pagesPerExecution?: number;
}

export interface BeginRunResult {
  runId: number | null;
  /** Why no run was opened: another run of the integration is going, it is inactive, or it was deleted. */
  skipped?: 'running' | 'inactive' | 'deleted';
}

export interface SyncPageInput {
  runId: number;
  /** 1-based number of the page this call stores: a call for a page already stored stores nothing. */
  page: number;
}

export interface SyncPageResult {
  more: boolean;
  fetched: number;
  inserted: number;
  updated: number;
}

export interface RunSummary {
  runId: number;
  status: RunStatus;
  pages: number;
  fetched: number;
  inserted: number;
  updated: number;
  error: string | null;
}

export interface SyncResult {
  integrationId: number;
  runId: number | null;
  status: RunStatus | 'skipped';
  skipped?: BeginRunResult['skipped'];
  pages: number;
  fetched: number;
  inserted: number;
  updated: number;
}

export interface SyncAllResult {
  started: number;
  skipped: number;
}
