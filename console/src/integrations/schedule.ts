// An integration's schedule in the editor: interval or cron, read back into the editor's units, and a preview of its
// next runs computed the way Temporal computes them (intervals are multiples of the period since the Unix epoch; a
// 5-field cron matches minute, hour, day of month, month AND day of week, in the schedule's time zone). Pure
// functions: unit-tested in test/unit/console-integrations-schedule.test.ts.
import { localInputToIso } from '../lib/format';

/** As the API has it (its time zone is one of the API's names; UTC when left out). */
export type Schedule = { kind: 'interval'; every_seconds: number } | { kind: 'cron'; cron: string; timezone?: string };

export const INTERVAL_UNITS = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400 } as const;
export type IntervalUnit = keyof typeof INTERVAL_UNITS;

/** The largest unit that divides the seconds evenly, for showing a saved interval: 7200 -> 2 hours. */
export function splitInterval(seconds: number): { amount: number; unit: IntervalUnit } {
  for (const unit of ['days', 'hours', 'minutes'] as const) {
    if (seconds > 0 && seconds % INTERVAL_UNITS[unit] === 0) return { amount: seconds / INTERVAL_UNITS[unit], unit };
  }
  return { amount: seconds, unit: 'seconds' };
}

/** The editor's amount and unit as every_seconds; NaN when the amount is not a number (the API names the field). */
export const intervalSeconds = (amount: string, unit: IntervalUnit): number => {
  const n = Number(amount.trim());
  return amount.trim() === '' || !Number.isFinite(n) ? Number.NaN : Math.round(n * INTERVAL_UNITS[unit]);
};

/** The next `count` starts of an interval schedule after `now`: Temporal fires at whole multiples since the epoch. */
export function nextIntervalRuns(everySeconds: number, now: Date, count = 5): Date[] {
  if (!Number.isFinite(everySeconds) || everySeconds <= 0) return [];
  const period = everySeconds * 1000;
  const first = Math.floor(now.getTime() / period) * period + period;
  return Array.from({ length: count }, (_, i) => new Date(first + i * period));
}

// --- cron

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** The first name's number (months start at 1, days at 0). */
  nameBase?: number;
}
const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 7, names: DAYS, nameBase: 0 },
];

export interface ParsedCron {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
}

export class CronSyntaxError extends Error {
  constructor(
    readonly field: number,
    message: string,
  ) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

function value(text: string, spec: FieldSpec, field: number): number {
  const lower = text.toLowerCase();
  const named = spec.names?.findIndex((n) => lower.startsWith(n) && lower.length >= 3) ?? -1;
  const n = named >= 0 ? named + (spec.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) throw new CronSyntaxError(field, `'${text}' is not in ${spec.min}-${spec.max}`);
  return n;
}

function parseField(text: string, field: number): Set<number> {
  const spec = FIELDS[field];
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new CronSyntaxError(field, `'${part}' is not a cron field`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : Number.NaN;
    if (Number.isNaN(step)) throw new CronSyntaxError(field, `'${stepText}' is not a step`);
    let start: number;
    let end: number;
    if (range === '*' || range === '?') {
      [start, end] = [spec.min, spec.max];
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new CronSyntaxError(field, `'${range}' is not a range`);
      [start, end] = [value(a, spec, field), value(b, spec, field)];
      if (end < start) throw new CronSyntaxError(field, `'${range}' ends before it starts`);
    } else {
      start = value(range, spec, field);
      end = stepText === undefined ? start : spec.max; // "5/15" is 5, 20, 35, 50
    }
    for (let v = start; v <= end; v += step) out.add(field === 4 && v === 7 ? 0 : v); // 7 is Sunday too
  }
  return out;
}

/** A 5-field cron expression (numbers, names, *, ?, ranges, steps, lists); throws CronSyntaxError naming the field. */
export function parseCron(expression: string): ParsedCron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronSyntaxError(-1, 'a cron expression has 5 fields: minute hour day-of-month month day-of-week');
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) => parseField(f, i));
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { minutes: sorted(minutes), hours: sorted(hours), days, months, weekdays };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The next `count` starts of a cron schedule after `now` in `timeZone`, or null when the expression does not parse.
 * Wall times a DST change skips are moved on by the gap, as the zone's clocks are.
 */
export function nextCronRuns(expression: string, timeZone: string, now: Date, count = 5): Date[] | null {
  let cron: ParsedCron;
  try {
    cron = parseCron(expression);
  } catch {
    return null;
  }
  const runs: Date[] = [];
  // Today's date in the zone, then day by day (at most ~5 years: "30 2 31 2 *" never matches).
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  let day = Date.parse(`${today}T00:00:00Z`);
  for (let i = 0; i < 366 * 5 + 2 && runs.length < count; i++, day += 86_400_000) {
    const date = new Date(day);
    if (!cron.months.has(date.getUTCMonth() + 1) || !cron.days.has(date.getUTCDate()) || !cron.weekdays.has(date.getUTCDay())) continue;
    const ymd = date.toISOString().slice(0, 10);
    for (const h of cron.hours) {
      for (const m of cron.minutes) {
        const iso = localInputToIso(`${ymd}T${pad(h)}:${pad(m)}`, timeZone);
        if (!iso) continue;
        const at = new Date(iso);
        if (at.getTime() > now.getTime() && !runs.some((r) => r.getTime() === at.getTime())) runs.push(at);
        if (runs.length >= count) return runs;
      }
    }
  }
  return runs;
}

/** The next runs of a schedule as the editor has it (null: the cron does not parse, so no preview). */
export function previewRuns(schedule: Schedule, now: Date, count = 5): Date[] | null {
  return schedule.kind === 'interval' ? nextIntervalRuns(schedule.every_seconds, now, count) : nextCronRuns(schedule.cron, schedule.timezone ?? 'UTC', now, count);
}

// --- the editor's state

export interface ScheduleDraft {
  kind: 'interval' | 'cron';
  amount: string;
  unit: IntervalUnit;
  cron: string;
  timezone: string;
}

export function draftFromSchedule(schedule: Schedule | undefined, viewerZone: string): ScheduleDraft {
  if (!schedule) return { kind: 'interval', amount: '1', unit: 'hours', cron: '0 */6 * * *', timezone: viewerZone };
  if (schedule.kind === 'interval') {
    const { amount, unit } = splitInterval(schedule.every_seconds);
    return { kind: 'interval', amount: String(amount), unit, cron: '0 */6 * * *', timezone: viewerZone };
  }
  return { kind: 'cron', amount: '1', unit: 'hours', cron: schedule.cron, timezone: schedule.timezone ?? 'UTC' };
}

/** The draft as the API takes it (an amount that is not a number goes as 0, for the API to name body.schedule.every_seconds). */
export function scheduleFromDraft(draft: ScheduleDraft): Schedule {
  if (draft.kind === 'interval') {
    const seconds = intervalSeconds(draft.amount, draft.unit);
    return { kind: 'interval', every_seconds: Number.isNaN(seconds) ? 0 : seconds };
  }
  return { kind: 'cron', cron: draft.cron.trim(), timezone: draft.timezone.trim() };
}
