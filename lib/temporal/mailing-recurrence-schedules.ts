import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { Db } from '../db/connect';
import { listRecurrences } from '../db/mailing-recurrence.repository';
import type { MailingRecurrenceRow } from '../db/mailing-recurrence-tables';
import type { Logger } from '../logger';
import { scheduleEnd } from '../mailings/recurrence-timing';
import { OCCURRENCE_WORKFLOW_TYPE, occurrenceWorkflowId, recurrenceScheduleId, type OccurrenceInput } from '../../workflows/mailing-occurrence.contract';
import type { MailingWorkflowOptions } from './mailing-workflows';
import { putSchedule } from './put-schedule';
import { KIND_ATTRIBUTE } from './search-attributes';

/**
 * Overlap: ALLOW_ALL. The Schedule's action is the small occurrence workflow, which only creates the occurrence's
 * mailing and starts its workflow; occurrences are independent mailings, so one fire time must never be skipped because
 * the previous occurrence workflow is still retrying (say, while the database is down). The occurrences' mailings may
 * overlap in time when the cron fires more often than the occurrence lasts; each is its own mailing.
 * Catch-up: one minute. An occurrence missed while Temporal was down longer than that is not sent late.
 */
export const RECURRENCE_SCHEDULE_POLICIES = { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: 60_000 };

/** The Schedule's spec: the cron in its zone, from starts_at, until ends_at or just after the N-th day. */
export function recurrenceSpec(row: MailingRecurrenceRow): ScheduleSpec {
  const endAt = scheduleEnd(row, row.created_at);
  return {
    cronExpressions: [row.cron],
    timezone: row.timezone,
    ...(row.starts_at ? { startAt: row.starts_at } : {}),
    ...(endAt ? { endAt } : {}),
  };
}

/**
 * Makes the recurrence's Schedule match its row: created when missing, spec and action replaced, paused or not as the
 * row says. Idempotent (the worker runs it again at boot to repair any drift).
 */
export async function putRecurrenceSchedule(client: Client, options: MailingWorkflowOptions, row: MailingRecurrenceRow): Promise<void> {
  const input: OccurrenceInput = { recurrenceId: row.id };
  await putSchedule(client, {
    scheduleId: recurrenceScheduleId(row.id),
    spec: recurrenceSpec(row),
    action: {
      type: 'startWorkflow',
      workflowType: OCCURRENCE_WORKFLOW_TYPE,
      workflowId: occurrenceWorkflowId(row.id),
      taskQueue: options.taskQueue,
      args: [input],
      memo: { recurrenceId: row.id },
      ...(options.searchAttributes ? { typedSearchAttributes: [{ key: KIND_ATTRIBUTE, value: 'mailing-occurrence' }] } : {}),
    },
    policies: RECURRENCE_SCHEDULE_POLICIES,
    state: { paused: row.paused, note: `mailing recurrence ${row.id} ${row.paused ? 'paused' : 'active'}` },
    memo: { recurrenceId: row.id },
  });
}

/** Removes the recurrence's Schedule (already gone is fine). */
export async function deleteRecurrenceSchedule(client: Client, recurrenceId: number): Promise<void> {
  try {
    await client.schedule.getHandle(recurrenceScheduleId(recurrenceId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/** What Temporal says about the Schedule: paused, and its next 5 fire times; null when it does not exist. */
export async function describeRecurrenceSchedule(client: Client, recurrenceId: number): Promise<{ paused: boolean; nextRuns: Date[] } | null> {
  try {
    const description = await client.schedule.getHandle(recurrenceScheduleId(recurrenceId)).describe();
    return { paused: description.state.paused, nextRuns: description.info.nextActionTimes.slice(0, 5) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** At worker boot: every recurrence's Schedule brought in line with its row (repairs what the API could not pass on). */
export async function ensureRecurrenceSchedules(db: Db, client: Client, options: MailingWorkflowOptions, logger: Logger): Promise<void> {
  let cursor: number | undefined;
  for (;;) {
    const batch = await listRecurrences(db, { cursor, limit: 100 });
    for (const row of batch) {
      await putRecurrenceSchedule(client, options, row).catch((err: unknown) =>
        logger.error({ err, recurrenceId: row.id }, 'could not bring the mailing recurrence’s Schedule in line'),
      );
    }
    if (batch.length < 100) return;
    cursor = batch[batch.length - 1].id;
  }
}
