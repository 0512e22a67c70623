import { ScheduleNotFoundError, WorkflowIdReusePolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { IntegrationPriority, IntegrationRow, IntegrationSchedule, RunTrigger } from '../db/integration-tables';
import {
  integrationScheduleId,
  scheduledSyncWorkflowId,
  SYNC_ALL_SCHEDULE_ID,
  SYNC_ALL_WORKFLOW_TYPE,
  SYNC_WORKFLOW_TYPE,
  syncWorkflowId,
  type SyncWorkflowInput,
} from '../../workflows/integration.contract';
import { putSchedule } from './put-schedule';
import { INTEGRATION_ID_ATTRIBUTE, KIND_ATTRIBUTE } from './search-attributes';

export interface IntegrationWorkflowOptions {
  taskQueue: string;
  /** Integrations with priority 'high' run here, served by their own worker pool. */
  priorityTaskQueue: string;
  searchAttributes: boolean;
}

export const taskQueueFor = (options: IntegrationWorkflowOptions, priority: IntegrationPriority): string =>
  priority === 'high' ? options.priorityTaskQueue : options.taskQueue;

const searchAttributes = (options: IntegrationWorkflowOptions, integrationId: number) =>
  options.searchAttributes
    ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'integration-sync' }, { key: INTEGRATION_ID_ATTRIBUTE, value: integrationId }] }
    : {};

/** Starts `sync-<integrationId>-<runId>` for a run the caller already opened (sync now, full resync, sync all). */
export async function startSyncWorkflow(
  client: Client,
  options: IntegrationWorkflowOptions,
  run: { integrationId: number; runId: number; priority: IntegrationPriority; trigger: RunTrigger; fullResync: boolean },
): Promise<string> {
  const input: SyncWorkflowInput = { integrationId: run.integrationId, runId: run.runId, trigger: run.trigger, fullResync: run.fullResync };
  const handle = await client.workflow.start(SYNC_WORKFLOW_TYPE, {
    workflowId: syncWorkflowId(run.integrationId, run.runId),
    taskQueue: taskQueueFor(options, run.priority),
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: { integrationId: run.integrationId, runId: run.runId, trigger: run.trigger, fullResync: run.fullResync },
    ...searchAttributes(options, run.integrationId),
  });
  return handle.workflowId;
}

export function scheduleSpec(schedule: IntegrationSchedule): ScheduleSpec {
  return schedule.kind === 'interval'
    ? { intervals: [{ every: schedule.every_seconds * 1000 }] }
    : { cronExpressions: [schedule.cron], timezone: schedule.timezone };
}

function syncAction(options: IntegrationWorkflowOptions, integration: IntegrationRow) {
  const input: SyncWorkflowInput = { integrationId: integration.id, trigger: 'schedule' };
  return {
    type: 'startWorkflow' as const,
    workflowType: SYNC_WORKFLOW_TYPE,
    workflowId: scheduledSyncWorkflowId(integration.id),
    taskQueue: taskQueueFor(options, integration.priority),
    args: [input],
    memo: { integrationId: integration.id, trigger: 'schedule' },
    ...searchAttributes(options, integration.id),
  };
}

/**
 * Makes the integration's Schedule match its row: created when missing, spec and action replaced, paused while the
 * integration is inactive. Idempotent (run again at worker boot to repair any drift).
 */
export async function putIntegrationSchedule(client: Client, options: IntegrationWorkflowOptions, integration: IntegrationRow): Promise<void> {
  // A run still going when the next is due is skipped (the run lock would skip it anyway).
  await putSchedule(client, {
    scheduleId: integrationScheduleId(integration.id),
    spec: scheduleSpec(integration.schedule),
    action: syncAction(options, integration),
    state: { paused: !integration.active, note: `integration ${integration.id} ${integration.active ? 'active' : 'inactive'}` },
    memo: { integrationId: integration.id, name: integration.name },
  });
}

/** Removes the integration's Schedule (already gone is fine). */
export async function deleteIntegrationSchedule(client: Client, integrationId: number): Promise<void> {
  try {
    await client.schedule.getHandle(integrationScheduleId(integrationId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/** What Temporal says about the integration's Schedule, for the API; null when it does not exist. */
export async function describeIntegrationSchedule(client: Client, integrationId: number): Promise<{ id: string; paused: boolean; nextRuns: Date[] } | null> {
  try {
    const description = await client.schedule.getHandle(integrationScheduleId(integrationId)).describe();
    return { id: description.scheduleId, paused: description.state.paused, nextRuns: description.info.nextActionTimes.slice(0, 5) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** Creates (or updates) the "sync all active integrations" Schedule. Called at worker boot. */
export async function ensureSyncAllSchedule(client: Client, options: IntegrationWorkflowOptions, everyMinutes: number): Promise<void> {
  await putSchedule(client, {
    scheduleId: SYNC_ALL_SCHEDULE_ID,
    spec: { intervals: [{ every: everyMinutes * 60_000 }] },
    action: { type: 'startWorkflow', workflowType: SYNC_ALL_WORKFLOW_TYPE, taskQueue: options.taskQueue, args: [] },
  });
}

export function integrationOptionsFromConfig(config: {
  INTEGRATION_TASK_QUEUE: string;
  INTEGRATION_PRIORITY_TASK_QUEUE: string;
  TEMPORAL_SEARCH_ATTRIBUTES: boolean;
}): IntegrationWorkflowOptions {
  return { taskQueue: config.INTEGRATION_TASK_QUEUE, priorityTaskQueue: config.INTEGRATION_PRIORITY_TASK_QUEUE, searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES };
}
