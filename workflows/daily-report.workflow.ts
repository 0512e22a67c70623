import {
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ReportActivities } from '../activities/report.activities';
import { reportDateFor } from '../lib/reports/report-day';
import { KIND_ATTRIBUTE } from '../lib/temporal/search-attributes';
import {
  dailyReportWorkflowId,
  REPORT_NON_RETRYABLE_ERRORS,
  type DailyReportInput,
  type DailyReportResult,
  type ScheduledReportInput,
  type ScheduledReportResult,
} from './report.contract';

// Sending: an SMTP server that is down or answers 4xx is tried again with back-off for about a day (each failed
// attempt is visible on the workflow in the Temporal UI); a 5xx ends the workflow failed at once.
const reports = proxyActivities<ReportActivities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    maximumAttempts: 30,
    nonRetryableErrorTypes: REPORT_NON_RETRYABLE_ERRORS,
  },
});

/** The report of one day (`daily-report-<date>`): sent at most once, whoever starts it. */
export async function dailyReportWorkflow(input: DailyReportInput): Promise<DailyReportResult> {
  return reports.sendDailyReport(input);
}

/** Set by Temporal on a Schedule's runs: the time the Schedule was due to fire (not when the run started). */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The Schedule's action: works out the day to report from the fire time in the report's zone (the day before it,
 * whatever the catch-up delay) and runs that day's workflow as a child. A day whose workflow completed already (or
 * runs now) is not started again; one that failed may run again.
 */
export async function scheduledDailyReportWorkflow(input: ScheduledReportInput): Promise<ScheduledReportResult> {
  const info = workflowInfo();
  const scheduledAt = input.scheduledAt ? Date.parse(input.scheduledAt) : (info.typedSearchAttributes.get(SCHEDULED_START_TIME)?.getTime() ?? info.runStartTime.getTime());
  const date = reportDateFor(scheduledAt, input.timezone);
  const workflowId = dailyReportWorkflowId(date);
  try {
    const result = await executeChild(dailyReportWorkflow, {
      workflowId,
      args: [{ date }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...(input.searchAttributes ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'daily-report' }] } : {}),
    });
    return { date, workflowId, outcome: 'started', result };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { date, workflowId, outcome: 'exists', result: null };
    throw err;
  }
}
