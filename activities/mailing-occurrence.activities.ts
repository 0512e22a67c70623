import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { isMailingFinished } from '../lib/db/mailing.repository';
import { findOccurrence, findRecurrence, insertOccurrence } from '../lib/db/mailing-recurrence.repository';
import { startMailingWorkflow, type MailingWorkflowOptions } from '../lib/temporal/mailing-workflows';
import type { OccurrenceResult } from '../workflows/mailing-occurrence.contract';

export interface OccurrenceActivityDeps {
  db: Db;
  logger: Logger;
  temporal: { client: Client };
  /** How the occurrences' mailing workflows are started (the same options as the mailings route). */
  mailingWorkflow: MailingWorkflowOptions;
}

/** The activity of the recurrences' occurrence workflow. */
export function createOccurrenceActivities(deps: OccurrenceActivityDeps) {
  const { db, logger, temporal, mailingWorkflow } = deps;
  return {
    /**
     * Creates the mailing of one fire time of a recurrence from its template (starts_at = the fire time, ends_at = the
     * fire time + the occurrence duration) and starts its workflow `mailing-<id>`, as POST /mailings does. Idempotent:
     * a retry (or a second run for the same fire time) finds the mailing the first made and only makes sure its
     * workflow exists.
     */
    async createOccurrence({ recurrenceId, scheduledAt }: { recurrenceId: number; scheduledAt: string }): Promise<OccurrenceResult> {
      const at = new Date(scheduledAt);
      const result = (mailingId: number | null, created: boolean, skipped?: OccurrenceResult['skipped']): OccurrenceResult => ({
        recurrenceId,
        scheduledAt: at.toISOString(),
        mailingId,
        created,
        ...(skipped ? { skipped } : {}),
      });
      let occurrence = await findOccurrence(db, recurrenceId, at).then((row) => row && { row, created: false });
      if (!occurrence) {
        const recurrence = await findRecurrence(db, recurrenceId);
        if (!recurrence) return result(null, false, 'deleted');
        const endsAt = new Date(at.getTime() + recurrence.occurrence_minutes * 60_000);
        // Only when an activity retried for longer than the occurrence lasts: a mailing that ended already is not made.
        if (endsAt.getTime() <= Date.now()) {
          logger.warn({ recurrenceId, scheduledAt }, 'occurrence skipped: it would have ended already');
          return result(null, false, 'late');
        }
        occurrence = await insertOccurrence(db, {
          text: recurrence.text,
          starts_at: at,
          ends_at: endsAt,
          filter: JSON.stringify(recurrence.filter),
          send_window: JSON.stringify(recurrence.send_window),
          recurrence_id: recurrenceId,
          occurrence_at: at,
        });
      }
      const { row, created } = occurrence;
      if (!isMailingFinished(row)) {
        try {
          await startMailingWorkflow(temporal.client, row, mailingWorkflow);
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
      if (created) logger.info({ recurrenceId, scheduledAt, mailingId: row.id }, 'recurring mailing occurrence created');
      return result(row.id, created);
    },
  };
}

export type OccurrenceActivities = ReturnType<typeof createOccurrenceActivities>;
