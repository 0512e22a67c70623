import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

/** Whether a workflow is running now (false when it ended or never existed); Temporal being down throws. */
export async function workflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
