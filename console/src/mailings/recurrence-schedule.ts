// How a recurring mailing's schedule reads in the list: the seed's "every day at HH:MM for N days" when it was given
// so, its cron otherwise, always with its time zone. Pure, so unit tests check it without a browser.

export interface RecurrenceScheduleFields {
  cron: string;
  timezone: string;
  every_day_at: string | null;
  days: number | null;
}

export type ScheduleLabel =
  | { key: 'recurrences.schedule.daily'; values: { at: string; count: number; timezone: string } }
  | { key: 'recurrences.schedule.cron'; values: { cron: string; timezone: string } };

export function scheduleLabel(r: RecurrenceScheduleFields): ScheduleLabel {
  if (r.every_day_at !== null && r.days !== null) {
    return { key: 'recurrences.schedule.daily', values: { at: r.every_day_at, count: r.days, timezone: r.timezone } };
  }
  return { key: 'recurrences.schedule.cron', values: { cron: r.cron, timezone: r.timezone } };
}

/** An occurrence's duration in whole hours and minutes ("1 h 30 min"), from minutes. */
export function durationParts(minutes: number): { hours: number; minutes: number } {
  return { hours: Math.floor(minutes / 60), minutes: minutes % 60 };
}
