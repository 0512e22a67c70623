import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../../lib/config';
import type { Db } from '../../lib/db/connect';
import { createLogger } from '../../lib/logger';
import { localDayRange } from '../../lib/reports/report-day';
import { DAILY_REPORT_WORKFLOW_TYPE, dailyReportWorkflowId, type DailyReportResult } from '../../workflows/report.contract';
import { testConfig } from './fixtures';
import { startTimeSkippingWorker } from './temporal';

export const REPORT_ZONE = 'Europe/Moscow';
export const REPORT_FROM = 'Relay Reports <reports@relay.example.com>';

/** A worker for the mailing queue (where the report runs) on the time-skipping server, with its own REPORT_* settings. */
export async function startReportWorker(env: TestWorkflowEnvironment, db: Db, report: Record<string, string>): Promise<{ config: Config; close(): Promise<void> }> {
  const config = testConfig({
    PROVIDER_URL: 'http://127.0.0.1:9', // never called: no mailing runs here
    TEMPORAL_SEARCH_ATTRIBUTES: 'false',
    WORKER_QUEUES: 'mailings',
    REPORT_TIMEZONE: REPORT_ZONE,
    REPORT_FROM,
    ...report,
  });
  const worker = await startTimeSkippingWorker(env, { config, db, logger: createLogger(config.LOG_LEVEL) });
  return { config, close: () => worker.close() };
}

/** Noon of the date in the report's zone, and the day's bounds. */
export function dayOf(date: string): { noon: Date; from: Date; to: Date } {
  const { from, to } = localDayRange(date, REPORT_ZONE);
  return { noon: new Date(from.getTime() + 12 * 3_600_000), from, to };
}

/** Starts `daily-report-<date>` on the worker's queue, as the API does. */
export function startReport(env: TestWorkflowEnvironment, config: Config, date: string): Promise<WorkflowHandle<(input: { date: string }) => Promise<DailyReportResult>>> {
  return env.client.workflow.start(DAILY_REPORT_WORKFLOW_TYPE, {
    workflowId: dailyReportWorkflowId(date),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{ date }],
  });
}

/** The attempt number of each time the workflow's activity started, in order (from its history). */
export async function activityAttempts(handle: { fetchHistory(): Promise<{ events?: { activityTaskStartedEventAttributes?: { attempt?: number | null } | null }[] | null }> }): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
}
