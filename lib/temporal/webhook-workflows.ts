import { WorkflowNotFoundError } from '@temporalio/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import type { AttemptTrigger } from '../db/webhook-tables';
import {
  deliveryWorkflowId,
  recoverWorkflowId,
  RETENTION_SCHEDULE_ID,
  SWEEP_SCHEDULE_ID,
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  WEBHOOK_RECOVER_WORKFLOW_TYPE,
  WEBHOOK_RETENTION_WORKFLOW_TYPE,
  WEBHOOK_SWEEP_WORKFLOW_TYPE,
  WEBHOOK_DISPATCHER_WORKFLOW_TYPE,
  dispatcherWorkflowId,
  type DispatchSettings,
  type DeliveryResult,
  type DeliveryWorkflowInput,
  type RecoverWorkflowInput,
} from '../../workflows/webhook.contract';
import { putSchedule } from './put-schedule';
import { ENDPOINT_ID_ATTRIBUTE, EVENT_TYPE_ATTRIBUTE, KIND_ATTRIBUTE } from './search-attributes';
import { workflowRunning } from './workflow-status';

export interface WebhookWorkflowOptions {
  taskQueue: string;
  searchAttributes: boolean;
}

export interface DeliveryRef {
  deliveryId: number;
  eventId: number;
  endpointId: number;
  eventType: string;
}

export interface DeliveryRun {
  trigger: AttemptTrigger;
  firstAttempt: number;
  maxAttempts?: number;
}

function deliveryStartOptions(options: WebhookWorkflowOptions, d: DeliveryRef, run: DeliveryRun, rerun: boolean) {
  const input: DeliveryWorkflowInput = { deliveryId: d.deliveryId, eventId: d.eventId, endpointId: d.endpointId, ...run };
  return {
    workflowId: deliveryWorkflowId(d.eventId, d.endpointId),
    taskQueue: options.taskQueue,
    args: [input] as [DeliveryWorkflowInput],
    // A first dispatch never runs twice (a sweep after a crash finds the run); resend and recover run it again.
    workflowIdReusePolicy: rerun ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: { deliveryId: d.deliveryId, eventType: d.eventType, trigger: run.trigger },
    ...(options.searchAttributes
      ? {
          typedSearchAttributes: [
            { key: KIND_ATTRIBUTE, value: 'webhook' },
            { key: ENDPOINT_ID_ATTRIBUTE, value: d.endpointId },
            { key: EVENT_TYPE_ATTRIBUTE, value: d.eventType },
          ],
        }
      : {}),
  };
}

/**
 * Starts `webhook-<eventId>-<endpointId>`. 'exists' when a run is already going (or, for a first dispatch, ever ran):
 * the delivery is in Temporal's hands either way.
 */
export async function startDeliveryWorkflow(
  client: Client,
  options: WebhookWorkflowOptions,
  d: DeliveryRef,
  run: DeliveryRun,
  rerun = false,
): Promise<'started' | 'exists'> {
  try {
    await client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW_TYPE, deliveryStartOptions(options, d, run, rerun));
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
    throw err;
  }
}

/** Runs one delivery to completion and returns its result (the endpoint test: one attempt). */
export async function executeDeliveryWorkflow(client: Client, options: WebhookWorkflowOptions, d: DeliveryRef, run: DeliveryRun): Promise<DeliveryResult> {
  // Bounded: without a worker the caller gets an error instead of waiting forever.
  return client.workflow.execute(WEBHOOK_DELIVERY_WORKFLOW_TYPE, { ...deliveryStartOptions(options, d, run, false), workflowExecutionTimeout: 90_000 });
}

/** Whether the delivery's workflow is running now (false when it never ran); Temporal being down throws. */
export const deliveryRunning = (client: Client, eventId: number, endpointId: number): Promise<boolean> =>
  workflowRunning(client, deliveryWorkflowId(eventId, endpointId));

/** Starts the recovery of an endpoint's failed deliveries; throws WorkflowExecutionAlreadyStartedError while one runs. */
export async function startRecoverWorkflow(client: Client, options: WebhookWorkflowOptions, input: RecoverWorkflowInput): Promise<string> {
  const handle = await client.workflow.start(WEBHOOK_RECOVER_WORKFLOW_TYPE, {
    workflowId: recoverWorkflowId(input.endpointId),
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    memo: { endpointId: input.endpointId, since: input.since, until: input.until },
    ...(options.searchAttributes
      ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'webhook-recover' }, { key: ENDPOINT_ID_ATTRIBUTE, value: input.endpointId }] }
      : {}),
  });
  return handle.workflowId;
}

/** The latest recovery of an endpoint as Temporal keeps it (null when none ran or Temporal no longer keeps it). */
export interface RecoveryDescription {
  workflowId: string;
  /** Temporal's status, lower case: running, completed, failed, cancelled, terminated, timed_out. */
  status: string;
  since: string | null;
  until: string | null;
  startedAt: Date;
  closedAt: Date | null;
  /** Deliveries restarted, once the run completed. */
  restarted: number | null;
}

/** Describes the endpoint's recovery workflow (the latest run); Temporal being down throws. */
export async function describeRecovery(client: Client, endpointId: number): Promise<RecoveryDescription | null> {
  const handle = client.workflow.getHandle(recoverWorkflowId(endpointId));
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  const status = description.status.name.toLowerCase();
  const memo = description.memo ?? {};
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  let restarted: number | null = null;
  if (status === 'completed') {
    const result: unknown = await handle.result();
    const n = (result as { restarted?: unknown } | null)?.restarted;
    restarted = typeof n === 'number' ? n : null;
  }
  return {
    workflowId: description.workflowId,
    status,
    since: text(memo.since),
    until: text(memo.until),
    startedAt: description.startTime,
    closedAt: description.closeTime ?? null,
    restarted,
  };
}

/**
 * Makes sure one dispatcher runs per shard with these settings (called at worker boot by every worker serving the
 * webhook queue; starting is idempotent). Dispatchers started with other settings (another shard count, other limits)
 * are terminated first: their deliveries in flight finish and are written, and unwritten claims come back when their
 * lease ends.
 */
export async function ensureDispatchers(client: Client, options: WebhookWorkflowOptions, settings: Omit<DispatchSettings, 'shard'>): Promise<string[]> {
  const fingerprint = JSON.stringify(settings);
  const query = `WorkflowType = '${WEBHOOK_DISPATCHER_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
  for await (const run of client.workflow.list({ query })) {
    if (run.taskQueue !== options.taskQueue) continue;
    if ((run.memo as { settings?: unknown } | undefined)?.settings === fingerprint) continue;
    await client.workflow
      .getHandle(run.workflowId)
      .terminate('dispatcher settings changed')
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
  }
  const ids: string[] = [];
  for (let shard = 0; shard < settings.shards; shard++) {
    const workflowId = dispatcherWorkflowId(shard, settings.shards);
    await client.workflow.start(WEBHOOK_DISPATCHER_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue,
      args: [{ ...settings, shard }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { settings: fingerprint },
      ...(options.searchAttributes ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'webhook-dispatcher' }] } : {}),
    });
    ids.push(workflowId);
  }
  return ids;
}

/** Creates (or brings up to date) the dispatch-sweep and retention Schedules. Called at worker boot. */
export async function ensureWebhookSchedules(client: Client, options: WebhookWorkflowOptions & { retentionDays: number }): Promise<void> {
  const schedules = [
    {
      scheduleId: SWEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: 60_000 }] },
      action: { type: 'startWorkflow' as const, workflowType: WEBHOOK_SWEEP_WORKFLOW_TYPE, taskQueue: options.taskQueue, args: [] },
    },
    {
      scheduleId: RETENTION_SCHEDULE_ID,
      spec: { intervals: [{ every: 86_400_000 }] },
      action: {
        type: 'startWorkflow' as const,
        workflowType: WEBHOOK_RETENTION_WORKFLOW_TYPE,
        taskQueue: options.taskQueue,
        args: [{ retentionDays: options.retentionDays }],
      },
    },
  ];
  for (const schedule of schedules) await putSchedule(client, schedule);
}

/** The webhook workflows' options as configured. */
export function webhookOptionsFromConfig(config: { WEBHOOK_TASK_QUEUE: string; TEMPORAL_SEARCH_ATTRIBUTES: boolean }): WebhookWorkflowOptions {
  return { taskQueue: config.WEBHOOK_TASK_QUEUE, searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES };
}
