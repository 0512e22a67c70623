import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/connect';
import type { MailingRow } from '../db/database';
import {
  editUpdate,
  MAILING_WORKFLOW_TYPE,
  mailingWorkflowId,
  pauseSignal,
  progressQuery,
  resumeSignal,
  type MailingEdit,
  type MailingProgress,
  type MailingWorkflowInput,
  type SendSettings,
} from '../../workflows/mailing.contract';
import { KIND_ATTRIBUTE, MAILING_ID_ATTRIBUTE } from './search-attributes';
import { sendSettingsFromConfig } from '../send-settings';

export interface MailingWorkflowOptions {
  taskQueue: string;
  settings: SendSettings;
  searchAttributes: boolean;
}

/** The options every mailing workflow is started with (the API's route and the recurrences' occurrence activity). */
export function mailingWorkflowOptionsFromConfig(config: Config): MailingWorkflowOptions {
  return { taskQueue: config.TEMPORAL_TASK_QUEUE, settings: sendSettingsFromConfig(config), searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES };
}

/** Starts `mailing-<id>`; it sleeps durably until starts_at. */
export async function startMailingWorkflow(client: Client, mailing: MailingRow, options: MailingWorkflowOptions): Promise<string> {
  const input: MailingWorkflowInput = {
    mailingId: mailing.id,
    startsAt: mailing.starts_at.toISOString(),
    endsAt: mailing.ends_at.toISOString(),
    sendWindow: mailing.send_window,
    settings: options.settings,
  };
  const handle = await client.workflow.start(MAILING_WORKFLOW_TYPE, {
    workflowId: mailingWorkflowId(mailing.id),
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: { mailingId: mailing.id, text: mailing.text.slice(0, 100) },
    ...(options.searchAttributes
      ? { typedSearchAttributes: [{ key: MAILING_ID_ATTRIBUTE, value: mailing.id }, { key: KIND_ATTRIBUTE, value: 'mailing' }] }
      : {}),
  });
  return handle.workflowId;
}

/** Whether mailing-<id> exists at all (running or closed); false when Temporal cannot be asked either. */
export async function mailingWorkflowExists(client: Client, mailingId: number): Promise<boolean> {
  try {
    await handleFor(client, mailingId).describe();
    return true;
  } catch {
    return false;
  }
}

const handleFor = (client: Client, mailingId: number) => client.workflow.getHandle(mailingWorkflowId(mailingId));

export async function queryMailingProgress(client: Client, mailingId: number): Promise<MailingProgress> {
  return handleFor(client, mailingId).query(progressQuery);
}

export async function editMailingWorkflow(client: Client, mailingId: number, edit: MailingEdit): Promise<MailingProgress> {
  return handleFor(client, mailingId).executeUpdate(editUpdate, { args: [edit] });
}

export async function pauseMailingWorkflow(client: Client, mailingId: number): Promise<void> {
  await handleFor(client, mailingId).signal(pauseSignal);
}

export async function resumeMailingWorkflow(client: Client, mailingId: number): Promise<void> {
  await handleFor(client, mailingId).signal(resumeSignal);
}

export async function cancelMailingWorkflow(client: Client, mailingId: number): Promise<void> {
  await handleFor(client, mailingId).cancel();
}

/**
 * Starts the workflow of every unfinished mailing that has none (the API died between the insert and the start).
 * Workflows that exist, running or closed, are left alone. Returns the ids it started.
 */
export async function ensureMailingWorkflows(db: Db, client: Client, options: MailingWorkflowOptions): Promise<number[]> {
  const rows = await db.selectFrom('mailings').selectAll().where('status', 'in', ['scheduled', 'running', 'paused']).orderBy('id').execute();
  const started: number[] = [];
  for (const row of rows) {
    try {
      await startMailingWorkflow(client, row, options);
      started.push(row.id);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return started;
}
