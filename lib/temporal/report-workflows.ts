import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import {
  DAILY_REPORT_SCHEDULE_ID,
  DAILY_REPORT_WORKFLOW_TYPE,
  dailyReportWorkflowId,
  SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE,
  SCHEDULED_REPORT_WORKFLOW_ID,
  type DailyReportInput,
  type ScheduledReportInput,
} from '../../workflows/report.contract';
import { putSchedule } from './put-schedule';
import { KIND_ATTRIBUTE } from './search-attributes';

export interface ReportWorkflowOptions {
  /** The mailing task queue: its workers carry the report activity. */
  taskQueue: string;
  searchAttributes: boolean;
}

const kind = (options: ReportWorkflowOptions, value: string) =>
  options.searchAttributes ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value }] } : {};

/**
 * Creates (or brings in line) the `relay-daily-report` Schedule: at `cron` in `timezone`, it reports the day before
 * in that zone. Called at worker boot, so a changed REPORT_CRON or REPORT_TIMEZONE applies at the next boot.
 */
export async function ensureDailyReportSchedule(client: Client, options: ReportWorkflowOptions & { cron: string; timezone: string }): Promise<void> {
  const input: ScheduledReportInput = { timezone: options.timezone, searchAttributes: options.searchAttributes };
  await putSchedule(client, {
    scheduleId: DAILY_REPORT_SCHEDULE_ID,
    spec: { cronExpressions: [options.cron], timezone: options.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE,
      workflowId: SCHEDULED_REPORT_WORKFLOW_ID,
      taskQueue: options.taskQueue,
      args: [input],
      ...kind(options, 'daily-report-schedule'),
    },
    memo: { purpose: 'the daily statistics e-mail' },
  });
}

/**
 * Starts `daily-report-<date>` now (the API's "send now"). A run going already throws
 * WorkflowExecutionAlreadyStartedError; a finished one may run again: the daily_reports row keeps a sent day from
 * being sent twice.
 */
export async function startDailyReportWorkflow(client: Client, options: ReportWorkflowOptions, date: string): Promise<string> {
  const input: DailyReportInput = { date };
  const handle = await client.workflow.start(DAILY_REPORT_WORKFLOW_TYPE, {
    workflowId: dailyReportWorkflowId(date),
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    ...kind(options, 'daily-report'),
  });
  return handle.workflowId;
}
