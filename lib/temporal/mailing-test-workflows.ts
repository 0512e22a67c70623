import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { MAILING_TEST_WORKFLOW_TYPE, mailingTestWorkflowId, type MailingTestInput, type MailingTestResult } from '../../workflows/mailing-test.contract';
import type { MailingWorkflowOptions } from './mailing-workflows';
import { KIND_ATTRIBUTE, MAILING_ID_ATTRIBUTE } from './search-attributes';

/** Room beyond the provider timeout for one attempt of the send activity (database writes, scheduling). */
const ACTIVITY_MARGIN_MS = 10_000;

/** How long a test send may take at most: its activity's timeout, plus time for a worker to pick it up. */
export const mailingTestTimeoutMs = (options: MailingWorkflowOptions): number => options.settings.providerTimeoutMs + ACTIVITY_MARGIN_MS + 20_000;

/**
 * Runs `mailing-test-<mailingId>-<uuid>` on the mailing task queue and returns its result. Bounded: the run times out
 * (workflowExecutionTimeout) when no worker completes it, so the caller never waits forever.
 */
export async function executeMailingTest(
  client: Client,
  options: MailingWorkflowOptions,
  mailingId: number,
  phones: string[],
): Promise<{ workflowId: string; result: MailingTestResult }> {
  const testId = randomUUID();
  const input: MailingTestInput = { testId, mailingId, phones, activityTimeoutMs: options.settings.providerTimeoutMs + ACTIVITY_MARGIN_MS };
  const workflowId = mailingTestWorkflowId(mailingId, testId);
  const result: MailingTestResult = await client.workflow.execute(MAILING_TEST_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowExecutionTimeout: mailingTestTimeoutMs(options),
    memo: { mailingId, phones: phones.length },
    ...(options.searchAttributes
      ? { typedSearchAttributes: [{ key: MAILING_ID_ATTRIBUTE, value: mailingId }, { key: KIND_ATTRIBUTE, value: 'mailing-test' }] }
      : {}),
  });
  return { workflowId, result };
}
