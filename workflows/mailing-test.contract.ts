// Shared by the test-send workflow, its activity and the API: names and payload types (no I/O).

export const MAILING_TEST_WORKFLOW_TYPE = 'mailingTestWorkflow';
/** `mailing-test-<mailingId>-<testId>`: one run per POST /mailings/{id}/test. */
export const mailingTestWorkflowId = (mailingId: number, testId: string): string => `mailing-test-${mailingId}-${testId}`;

export interface MailingTestInput {
  /** A UUID, also the key of the test's rows in mailing_test_sends. */
  testId: string;
  mailingId: number;
  /** 1-10 distinct phones, 7XXXXXXXXXX. */
  phones: string[];
  /** How long one attempt of the send activity may take (the provider timeout plus a margin). */
  activityTimeoutMs: number;
}

/** One phone's answer from the provider. */
export interface TestSendResult {
  phone: string;
  ok: boolean;
  /** sent: the provider took it; failed: it answered that it did not; unknown: no usable answer (it may have sent it). */
  outcome: 'sent' | 'failed' | 'unknown';
  /** The provider's HTTP status when it answered with an error; null for a success and when no answer came. */
  statusCode: number | null;
  /** The message id the provider was called with (POST /send/{id}). */
  providerMessageId: number;
  error: string | null;
  durationMs: number | null;
}

export interface MailingTestResult {
  mailingId: number;
  results: TestSendResult[];
}
