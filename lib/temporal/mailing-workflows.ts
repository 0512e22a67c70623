import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
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

export interface MailingWorkflowOptions {
  taskQueue: string;
  settings: SendSettings;
  searchAttributes: boolean;
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
