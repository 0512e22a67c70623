// Mailing recurrence rows become API shapes here and only here.
import type { MailingRecurrenceRow } from '../lib/db/mailing-recurrence-tables';
import { recurrenceScheduleId } from '../workflows/mailing-occurrence.contract';
import { iso } from './presenters';

/** `nextRuns`: undefined leaves next_runs out (lists); null says Temporal has no Schedule for it. */
export const presentRecurrence = (r: MailingRecurrenceRow, nextRuns?: Date[] | null) => ({
  id: r.id,
  text: r.text,
  filter: { operator_codes: r.filter.operatorCodes, tags: r.filter.tags },
  send_window: r.send_window,
  cron: r.cron,
  timezone: r.timezone,
  every_day_at: r.every_day_at,
  days: r.days,
  starts_at: iso(r.starts_at),
  ends_at: iso(r.ends_at),
  occurrence_duration_minutes: r.occurrence_minutes,
  paused: r.paused,
  schedule_id: recurrenceScheduleId(r.id),
  ...(nextRuns === undefined ? {} : { next_runs: nextRuns && nextRuns.map((d) => d.toISOString()) }),
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
