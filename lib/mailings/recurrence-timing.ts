import { CronExpressionParser } from 'cron-parser';

// When a recurring mailing fires: its cron in its time zone, bounded by starts_at / ends_at, or "every day at HH:MM
// for N days" turned into a daily cron and an end just after the N-th fire time. Pure time maths (no Temporal, no DB):
// the Schedule spec, the API's validation and the tests all use these.

/** The occurrence duration's bounds, in minutes: one minute to seven days. */
export const MIN_OCCURRENCE_MINUTES = 1;
export const MAX_OCCURRENCE_MINUTES = 7 * 24 * 60;
/** "For N days": up to ten years of daily occurrences. */
export const MAX_DAYS = 3660;
/** The Schedule ends this long after the N-th fire time, so the N-th fires and the one a day later does not. */
const END_MARGIN_MS = 60_000;

export interface RecurrenceTiming {
  cron: string;
  timezone: string;
  /** Set (with days) when given as "every day at HH:MM for N days". */
  every_day_at: string | null;
  days: number | null;
  starts_at: Date | null;
  ends_at: Date | null;
}

/** "09:30" → "30 9 * * *". */
export function dailyCron(hhmm: string): string {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return `${minutes} ${hours} * * *`;
}

const NAMES = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT';
/** Plain cron syntax only: numbers, names, `*`, lists, ranges and steps (no seconds, `?`, `L`, `#`, `H` or macros). */
const FIELD = new RegExp(`^(?:[0-9*,/-]|${NAMES})+$`, 'i');
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/**
 * Why a cron expression is refused, or null when it is a plain 5-field expression cron-parser accepts and that means
 * the same to Temporal. Restricting both the day of month and the day of week is refused: classic cron fires on
 * either, Temporal's calendars on both.
 */
export function cronProblem(expression: string): string | null {
  const trimmed = expression.trim();
  const fields = trimmed === '' ? [] : trimmed.split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    if (!FIELD.test(fields[i])) return `${FIELD_NAMES[i]} field "${fields[i]}" may only use digits, names, *, ",", "-" and "/"`;
  }
  try {
    CronExpressionParser.parse(fields.join(' '));
  } catch (err) {
    return `is not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (fields[2] !== '*' && fields[4] !== '*') return 'may restrict the day of month or the day of week, not both';
  return null;
}

/** The cron as stored: fields separated by one space. */
export const normalizeCron = (expression: string): string => expression.trim().split(/\s+/).join(' ');

/** Up to `count` fire times of `cron` in `timezone`, at or after `from` and before `until`. */
export function fireTimes(cron: string, timezone: string, from: Date, count: number, until?: Date | null): Date[] {
  // cron-parser gives times strictly after currentDate; the Schedule takes a fire time equal to its start.
  const expression = CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(from.getTime() - 1) });
  const times: Date[] = [];
  while (times.length < count) {
    const next = expression.next().toDate();
    if (until && next.getTime() >= until.getTime()) break;
    times.push(next);
  }
  return times;
}

/** When the Schedule stops: ends_at, or for N days just after the N-th fire time (whichever comes first). */
export function scheduleEnd(t: RecurrenceTiming, now: Date = new Date()): Date | null {
  if (t.days === null) return t.ends_at;
  const times = fireTimes(t.cron, t.timezone, t.starts_at ?? now, t.days, t.ends_at);
  if (times.length < t.days) return t.ends_at;
  const afterLast = new Date(times[times.length - 1].getTime() + END_MARGIN_MS);
  return t.ends_at && t.ends_at < afterLast ? t.ends_at : afterLast;
}

/** The fire times to come (at most `count`), as the Schedule will run them. */
export function nextFireTimes(t: RecurrenceTiming, count: number, now: Date = new Date()): Date[] {
  const from = t.starts_at && t.starts_at > now ? t.starts_at : now;
  return fireTimes(t.cron, t.timezone, from, count, scheduleEnd(t, now));
}
