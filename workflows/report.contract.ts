// Shared by the daily report workflows, their activity and the API: names and payload types (no I/O here).

export const DAILY_REPORT_WORKFLOW_TYPE = 'dailyReportWorkflow';
export const SCHEDULED_DAILY_REPORT_WORKFLOW_TYPE = 'scheduledDailyReportWorkflow';
export const DAILY_REPORT_SCHEDULE_ID = 'relay-daily-report';
/** The one workflow per report day (the Schedule's own runs are `relay-daily-report-run-<time>` and start it). */
export const dailyReportWorkflowId = (date: string): string => `daily-report-${date}`;
export const SCHEDULED_REPORT_WORKFLOW_ID = 'relay-daily-report-run';

/** Failures that end the report at once: the SMTP server refused the message for good (a 5xx), or no such date. */
export const REPORT_NON_RETRYABLE_ERRORS = ['SmtpRejectedError', 'ReportDateError'];

export interface DailyReportInput {
  /** The report day, YYYY-MM-DD, in the worker's REPORT_TIMEZONE. */
  date: string;
}

export interface ScheduledReportInput {
  timezone: string;
  /** Tag the day's workflow with RelayKind=daily-report (servers with Relay's search attributes). */
  searchAttributes: boolean;
  /** The fire time (tests); a Schedule's run reads it from TemporalScheduledStartTime. */
  scheduledAt?: string;
}

export interface DailyReportResult {
  date: string;
  /**
   * sent: the e-mail went out (or to the outbox); already-sent: the day's report went out before; quiet: nothing
   * happened that day and REPORT_SEND_EMPTY is off; no-recipients: nobody is on the list.
   */
  status: 'sent' | 'already-sent' | 'quiet' | 'no-recipients';
  messageId: string | null;
  recipients: number;
  /** Where it went: the SMTP server's answer or file:<path of the .eml>. */
  deliveredTo: string | null;
}

export interface ScheduledReportResult {
  date: string;
  workflowId: string;
  /** started: the day's workflow ran now; exists: it ran (or runs) already. */
  outcome: 'started' | 'exists';
  result: DailyReportResult | null;
}
