import { proxyActivities } from '@temporalio/workflow';
import type { MailingTestActivities } from '../activities/mailing-test.activities';
import type { MailingTestInput, MailingTestResult } from './mailing-test.contract';

/**
 * A test send of a mailing (POST /mailings/{id}/test): one activity sends the text to the given phones now and
 * returns each provider answer. Workflow id `mailing-test-<mailingId>-<testId>`; the API waits for its result.
 * A failed attempt (database away, worker lost) is retried a few times: the activity never sends a phone twice.
 */
export async function mailingTestWorkflow(input: MailingTestInput): Promise<MailingTestResult> {
  const { sendMailingTest } = proxyActivities<MailingTestActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['MailingNotFoundError'] },
  });
  return sendMailingTest(input);
}
