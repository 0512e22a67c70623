import { cronProblem, MAX_DAYS, MAX_OCCURRENCE_MINUTES, MIN_OCCURRENCE_MINUTES, normalizeCron } from '../../lib/mailings/recurrence-timing';
import { z } from '../openapi';
import { isoDate, page, PaginationQuery, patchBody, timeZone } from './common.schemas';
import { CreateMailingBody, FilterSchema, hhmm, MailingSchema, SendWindowSchema } from './mailing.schemas';

// A recurrence's template takes exactly the fields (and limits) of POST /mailings.
const { text, filter, send_window } = CreateMailingBody.shape;

const cron = z
  .string()
  .max(200, 'at most 200 characters')
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalizeCron)
  .openapi({ description: 'A 5-field cron expression (minute hour day-of-month month day-of-week) in `timezone`, e.g. "0 9 * * 1-5"', example: '0 9 * * 1-5' });
const everyDayAt = hhmm.openapi({ description: 'With `days`: every day at this local time (in `timezone`) for `days` days', example: '09:00' });
const days = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_DAYS, `must be at most ${MAX_DAYS}`)
  .openapi({ description: 'With `every_day_at`: how many daily occurrences, counted from starts_at (or from now)' });
const duration = z
  .number()
  .int('must be a whole number of minutes')
  .min(MIN_OCCURRENCE_MINUTES, `must be at least ${MIN_OCCURRENCE_MINUTES}`)
  .max(MAX_OCCURRENCE_MINUTES, `must be at most ${MAX_OCCURRENCE_MINUTES} (7 days)`)
  .openapi({ description: "How long each occurrence's mailing runs: its starts_at is the fire time, its ends_at the fire time plus this" });

/** The schedule fields as one body gives them: a cron, or every_day_at with days, never both. */
interface TimingFields {
  cron?: string;
  every_day_at?: string;
  days?: number;
  starts_at?: string | null;
  ends_at?: string | null;
}

/** The schedule fields' rules across fields, for create and (on what the body gives) update. */
function checkTiming(b: TimingFields, ctx: z.RefinementCtx, create: boolean): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (b.cron !== undefined && (b.every_day_at !== undefined || b.days !== undefined)) {
    issue(b.every_day_at !== undefined ? 'every_day_at' : 'days', 'give either cron or every_day_at with days, not both');
  }
  if (create && b.cron === undefined && b.every_day_at === undefined) issue('cron', 'give either cron or every_day_at with days');
  if (create && b.every_day_at !== undefined && b.days === undefined) issue('days', 'is required with every_day_at');
  if (create && b.days !== undefined && b.every_day_at === undefined && b.cron === undefined) issue('every_day_at', 'is required with days');
  if (b.starts_at && b.ends_at && Date.parse(b.ends_at) <= Date.parse(b.starts_at)) issue('ends_at', 'must be after starts_at');
  else if (b.ends_at && Date.parse(b.ends_at) <= Date.now()) issue('ends_at', 'must be in the future');
}

const startsAt = isoDate('No occurrence before this time (default: from now; "for N days" counts from here)');
const endsAt = isoDate('No occurrence at or after this time');

export const CreateRecurrenceBody = z
  .object({
    text,
    filter,
    send_window,
    cron: cron.optional(),
    every_day_at: everyDayAt.optional(),
    days: days.optional(),
    timezone: timeZone().default('UTC').openapi({ description: 'The IANA time zone of cron / every_day_at (default UTC)' }),
    starts_at: startsAt.optional(),
    ends_at: endsAt.optional(),
    occurrence_duration_minutes: duration.default(60),
    paused: z.boolean().default(false).openapi({ description: 'Create its Schedule paused' }),
  })
  .strict()
  .superRefine((b, ctx) => checkTiming(b, ctx, true))
  .openapi('CreateMailingRecurrence', { description: 'A mailing template and when it repeats: `cron`, or `every_day_at` with `days`' });

export const UpdateRecurrenceBody = patchBody(
  {
    text: text.optional(),
    filter: FilterSchema.optional(),
    send_window: SendWindowSchema.nullable().optional(),
    cron: cron.optional().openapi({ description: 'Switches to this cron (every_day_at and days are dropped)' }),
    every_day_at: everyDayAt.optional(),
    days: days.optional(),
    timezone: timeZone().optional(),
    starts_at: startsAt.nullable().optional(),
    ends_at: endsAt.nullable().optional(),
    occurrence_duration_minutes: duration.optional(),
    paused: z.boolean().optional().openapi({ description: 'true pauses its Schedule, false resumes it' }),
  },
  'UpdateMailingRecurrence',
  'Changes apply to occurrences created from now on; the mailings of earlier occurrences stay as they are',
).superRefine((b, ctx) => checkTiming(b, ctx, false));

export const RecurrenceSchema = z
  .object({
    id: z.number().int(),
    text: z.string(),
    filter: z.object({ operator_codes: z.array(z.string()), tags: z.array(z.string()) }),
    send_window: z.object({ from: z.string(), to: z.string() }).nullable(),
    cron: z.string().openapi({ description: 'The cron its Schedule runs (derived from every_day_at when given so)' }),
    timezone: z.string(),
    every_day_at: z.string().nullable(),
    days: z.number().int().nullable(),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    occurrence_duration_minutes: z.number().int(),
    paused: z.boolean(),
    schedule_id: z.string().openapi({ description: 'Its Temporal Schedule (relay-mailing-recurrence-<id>)' }),
    next_runs: z
      .array(z.string())
      .nullable()
      .optional()
      .openapi({ description: "The next (at most 5) fire times as Temporal's Schedule has them; null when Temporal has no Schedule for it (repaired at the next worker boot); left out of lists" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('MailingRecurrence');

export const RecurrencePage = page(RecurrenceSchema, 'MailingRecurrencePage');
export const RecurrenceListQuery = z.object({ ...PaginationQuery });
export const OccurrencePage = page(MailingSchema, 'MailingOccurrencePage');
