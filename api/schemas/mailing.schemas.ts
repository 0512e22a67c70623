import { MAILING_STATUSES, MESSAGE_STATUSES, type MailingFilter } from '../../lib/db/database';
import { ZONE_GROUP_STATES, type ZoneGroupState } from '../../lib/mailings/zone-groups';
import { isValidSendWindow } from '../../lib/time/window';
import { z } from '../openapi';
import { isoDate, page, PaginationQuery, patchBody } from './common.schemas';

export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)');

export const SendWindowSchema = z
  .object({ from: hhmm, to: hhmm })
  .strict()
  .refine(isValidSendWindow, { message: 'from and to must differ', path: ['to'] })
  .openapi('SendWindow', { description: "Client's local time; to < from crosses midnight" });

export const FilterSchema = z
  .object({
    operator_codes: z.array(z.string().regex(/^\d{3}$/, 'must be 3 digits')).max(1000).default([]),
    tags: z.array(z.string().max(64)).max(1000).default([]),
  })
  .strict()
  .openapi('MailingFilter', { description: 'Empty list = any. Any-of within a field, AND across fields.' });

/** The API's snake_case filter as stored and used by the workflow. */
export const toMailingFilter = (f: z.infer<typeof FilterSchema>): MailingFilter => ({ operatorCodes: f.operator_codes, tags: f.tags });

const text = z.string().min(1, 'must not be empty').max(1600, 'at most 1600 characters');

/** A mailing's own sending-rate cap. */
const sendRate = z
  .number()
  .int()
  .min(1)
  .max(100_000)
  .openapi({ description: 'At most this many messages per second for this mailing (every worker together); the global SEND_RATE_PER_S applies too' });

export const StatusCountsSchema = z
  .object({
    pending: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    expired: z.number().int(),
    cancelled: z.number().int(),
    unknown: z.number().int().openapi({ description: 'Requests that got no usable answer (timeout, lost connection, unreadable 2xx) or were in flight when a worker died: the SMS may have gone out, so they are never resent' }),
  })
  .openapi('StatusCounts');

export const MailingSchema = z
  .object({
    id: z.number().int(),
    text: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    filter: z.object({ operator_codes: z.array(z.string()), tags: z.array(z.string()) }),
    send_window: z.object({ from: z.string(), to: z.string() }).nullable(),
    status: z.enum(MAILING_STATUSES as [string, ...string[]]),
    workflow_id: z.string(),
    recurrence_id: z.number().int().nullable().openapi({ description: 'The recurrence that created it (GET /mailing-recurrences/{id}); null for a one-off mailing' }),
    occurrence_at: z.string().nullable().openapi({ description: "The recurrence's fire time it was created for" }),
    send_rate_per_s: z.number().int().nullable().openapi({ description: "This mailing's own sending-rate cap (messages/s); the global SEND_RATE_PER_S applies too. null: none" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Mailing');

export const CreateMailingBody = z
  .object({
    text,
    starts_at: isoDate('When sending starts (a past time starts at once)'),
    ends_at: isoDate('Nothing is sent at or after this time'),
    filter: FilterSchema.default({ operator_codes: [], tags: [] }),
    send_window: SendWindowSchema.nullable().default(null),
    send_rate_per_s: sendRate.nullable().optional(),
    draft: z.boolean().optional().openapi({
      description: 'true: save as a draft (default false): no workflow starts until POST /mailings/{id}/schedule, and ends_at need not be in the future yet (it must be when scheduled)',
    }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (Date.parse(b.ends_at) <= Date.parse(b.starts_at)) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
    else if (!b.draft && Date.parse(b.ends_at) <= Date.now()) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be in the future' });
  })
  .openapi('CreateMailing');

export const UpdateMailingBody = patchBody(
  {
    text: text.optional(),
    starts_at: isoDate('Only before the mailing started').optional(),
    ends_at: isoDate('New end; must be in the future').optional(),
    filter: FilterSchema.optional().openapi({ description: 'Only before the mailing started' }),
    send_window: SendWindowSchema.nullable().optional(),
    send_rate_per_s: sendRate.nullable().optional().openapi({ description: 'Any time before the mailing finishes; applies from its next batch (null: no cap of its own)' }),
  },
  'UpdateMailing',
);

export const MailingListQuery = z.object({ ...PaginationQuery, status: z.enum(MAILING_STATUSES as [string, ...string[]]).optional() });
export const MailingPage = page(MailingSchema, 'MailingPage');

export const ZoneGroupSchema = z
  .object({
    timezones: z.array(z.string()),
    messages: z.number().int().openapi({ description: "The mailing's messages to clients in these zones" }),
    pending: z.number().int(),
    state: z.enum(ZONE_GROUP_STATES as [ZoneGroupState, ...ZoneGroupState[]]).openapi({
      description: "open: the zones' local send window is open now; waiting: it opens at opens_at; closed: it does not open again before ends_at (pending messages will expire); done: nothing pending",
    }),
    opens_at: z.string().nullable().openapi({ description: 'When a waiting group\'s window opens' }),
    closes_at: z.string().nullable().openapi({ description: 'When an open or waiting group\'s window closes (at the latest ends_at)' }),
  })
  .openapi('MailingZoneGroup', { description: 'Time zones whose local send windows are the same instants' });

export const ProgressSchema = z
  .object({
    mailing_id: z.number(),
    phase: z.string(),
    paused: z.boolean(),
    total: z.number(),
    counts: StatusCountsSchema,
    next_wake_at: z.string().nullable(),
    live: z.boolean().openapi({ description: 'true when read from the running workflow, false when from the database' }),
    groups: z.array(ZoneGroupSchema).openapi({
      description: "The mailing's client time zones grouped as its workflow sends them (computed from the database: no worker needed); empty before the messages exist",
    }),
  })
  .openapi('MailingProgress');

export const MessageSchema = z
  .object({
    id: z.number(),
    mailing_id: z.number(),
    client_id: z.number().nullable(),
    phone: z.string(),
    status: z.enum(MESSAGE_STATUSES as [string, ...string[]]),
    attempts: z.number(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi('Message');

export const MailingStatsQuery = z.object({ ...PaginationQuery, status: z.enum(MESSAGE_STATUSES as [string, ...string[]]).optional() });

export const MailingStatsSchema = z
  .object({
    mailing: MailingSchema,
    total: z.number(),
    counts: StatusCountsSchema,
    progress: ProgressSchema,
    messages: page(MessageSchema, 'MessagePage'),
  })
  .openapi('MailingStats');

export const OverviewItem = z
  .object({ mailing: MailingSchema, total: z.number(), counts: StatusCountsSchema })
  .openapi('MailingOverviewItem');
export const OverviewSchema = z
  .object({
    totals: StatusCountsSchema.openapi({ description: 'Messages of every mailing by status' }),
    total: z.number().int().openapi({ description: 'Messages of every mailing' }),
    page_totals: StatusCountsSchema.openapi({ description: 'Messages of the mailings on this page by status' }),
    items: z.array(OverviewItem),
    next_cursor: z.number().int().nullable(),
  })
  .openapi('MailingsOverview');
