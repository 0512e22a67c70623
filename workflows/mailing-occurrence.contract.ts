// Shared by the occurrence workflow, its activity, the Schedule code and the API: names and payload types (no I/O).

export const OCCURRENCE_WORKFLOW_TYPE = 'mailingOccurrenceWorkflow';
/** The Schedule of recurrence <id>, visible under Schedules in the Temporal UI. */
export const recurrenceScheduleId = (recurrenceId: number): string => `relay-mailing-recurrence-${recurrenceId}`;
/** The prefix of its occurrence workflows' ids; Temporal appends the scheduled time. */
export const occurrenceWorkflowId = (recurrenceId: number): string => `mailing-recurrence-${recurrenceId}`;

export interface OccurrenceInput {
  recurrenceId: number;
  /**
   * The fire time the occurrence is for (ISO). Left out by the Schedule: the workflow reads it from the
   * TemporalScheduledStartTime search attribute Temporal sets on every scheduled run.
   */
  scheduledAt?: string;
}

export interface OccurrenceResult {
  recurrenceId: number;
  scheduledAt: string;
  /** The occurrence's mailing; null when none was created (see skipped). */
  mailingId: number | null;
  /** true when this call created the mailing, false when an earlier attempt (or run) already had. */
  created: boolean;
  /** deleted: the recurrence is gone; late: the occurrence would already have ended when it was created. */
  skipped?: 'deleted' | 'late';
}
