import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
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

/** Whether a workflow is running now (false when it ended or never existed); Temporal being down throws. */
export async function workflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
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

// A run still going when the next is due: skip the next (the run lock would skip it anyway).
const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };

/**
 * Makes the integration's Schedule match its row: created when missing, spec and action replaced, paused while the
 * integration is inactive. Idempotent (run again at worker boot to repair any drift).
 */
export async function putIntegrationSchedule(client: Client, options: IntegrationWorkflowOptions, integration: IntegrationRow): Promise<void> {
  const scheduleId = integrationScheduleId(integration.id);
  const spec = scheduleSpec(integration.schedule);
  const action = syncAction(options, integration);
  const note = integration.active ? `integration ${integration.id} active` : `integration ${integration.id} inactive`;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: !integration.active, note }, memo: { integrationId: integration.id, name: integration.name } });
    return;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((previous) => ({ ...previous, spec, action, policies, state: { ...previous.state, paused: !integration.active, note } }));
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
  const spec = { intervals: [{ every: everyMinutes * 60_000 }] };
  const action = { type: 'startWorkflow' as const, workflowType: SYNC_ALL_WORKFLOW_TYPE, taskQueue: options.taskQueue, args: [] };
  try {
    await client.schedule.create({ scheduleId: SYNC_ALL_SCHEDULE_ID, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(SYNC_ALL_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies }));
  }
}

export function integrationOptionsFromConfig(config: {
  INTEGRATION_TASK_QUEUE: string;
  INTEGRATION_PRIORITY_TASK_QUEUE: string;
  TEMPORAL_SEARCH_ATTRIBUTES: boolean;
}): IntegrationWorkflowOptions {
  return { taskQueue: config.INTEGRATION_TASK_QUEUE, priorityTaskQueue: config.INTEGRATION_PRIORITY_TASK_QUEUE, searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES };
}
