import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OccurrenceActivities } from '../activities/mailing-occurrence.activities';
import type { OccurrenceInput, OccurrenceResult } from './mailing-occurrence.contract';

// Database work and a workflow start: retried until it works, but not for ever. The activity itself stops making a
// mailing once the occurrence would have ended (a day is longer than any occurrence may last).
const { createOccurrence } = proxyActivities<OccurrenceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Set by Temporal on every workflow a Schedule starts: the fire time it was started for. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * One occurrence of a recurring mailing, started by the recurrence's Schedule (relay-mailing-recurrence-<id>; workflow
 * id `mailing-recurrence-<id>-<fire time>`): creates the occurrence's mailing, which runs in its own workflow
 * `mailing-<mailingId>`. Short-lived on purpose, so the Schedule can let occurrences overlap (ALLOW_ALL).
 */
export async function mailingOccurrenceWorkflow(input: OccurrenceInput): Promise<OccurrenceResult> {
  const info = workflowInfo();
  const scheduledAt = input.scheduledAt ?? info.typedSearchAttributes.get(SCHEDULED_START_TIME)?.toISOString() ?? info.startTime.toISOString();
  return createOccurrence({ recurrenceId: input.recurrenceId, scheduledAt });
}
