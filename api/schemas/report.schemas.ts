import { DELIVERY_STATUSES } from '../../lib/db/webhook-tables';
import { RUN_STATUSES } from '../../lib/db/integration-tables';
import { z } from '../openapi';

/** Recipients on the list at most: a report goes out as one message to all of them. */
export const MAX_REPORT_RECIPIENTS = 100;

// A calendar date YYYY-MM-DD from 1970 to 2199, leap days included, written as one pattern so the OpenAPI document
// states exactly what is accepted.
const LEAP_YEAR = '(?:19(?:7[26]|8[048]|9[26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))';
const YEAR = '(?:19[7-9][0-9]|2[01][0-9]{2})';
const MONTH_DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
export const REPORT_DATE_PATTERN = `^(?:${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)$`;

export const reportDate = (description: string) =>
  z
    .string()
    .max(10, 'must be a date YYYY-MM-DD')
    .regex(new RegExp(REPORT_DATE_PATTERN), 'must be a calendar date YYYY-MM-DD from 1970 to 2199')
    .openapi({ format: 'date', example: '2026-12-03', description });

/**
 * An e-mail address as zod's z.email() takes it (dot-atom local part, a domain with a TLD), with RFC 5321's limits
 * spelled out: a local part of at most 64 characters, domain labels of at most 63 that neither start nor end with '-'.
 */
const EMAIL = /^(?=[^@]{1,64}@)(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** A display name: printable, one line. */
const NAME_PATTERN = /^[^\u0000-\u001f\u007f]+$/;

export const CreateRecipientBody = z
  .object({
    email: z
      .string()
      .max(254, 'must be at most 254 characters')
      .regex(EMAIL, 'must be an e-mail address such as ops@example.com')
      .openapi({ format: 'email', pattern: EMAIL.source, example: 'ops@example.com' }),
    name: z.string().min(1).max(100).regex(NAME_PATTERN, 'must be one line of printable characters').optional(),
  })
  .strict()
  .openapi('CreateReportRecipient');

export const RecipientSchema = z
  .object({ id: z.number().int(), email: z.string(), name: z.string().nullable(), created_at: z.string().openapi({ format: 'date-time' }) })
  .openapi('ReportRecipient');

export const RecipientListSchema = z.object({ items: z.array(RecipientSchema) }).openapi('ReportRecipientList');

export const SendReportBody = z
  .object({ date: reportDate('The day to report, in REPORT_TIMEZONE; it must have ended') })
  .strict()
  .openapi('SendDailyReport');

export const SendReportResponse = z
  .object({
    date: z.string(),
    workflow_id: z.string().openapi({ description: 'daily-report-<date>: follow it in the Temporal UI' }),
  })
  .openapi('DailyReportStarted');

export const DailyReportQuery = z.object({ date: reportDate('The day, in REPORT_TIMEZONE (a day still going shows its figures so far)') });

const count = z.number().int().min(0);
const rate = z.number().min(0).max(1).nullable();
const finalCounts = { sent: count, failed: count, unknown: count, expired: count, cancelled: count };

export const DailyReportSchema = z
  .object({
    date: z.string(),
    timezone: z.string(),
    from: z.string().openapi({ format: 'date-time', description: 'First instant of the day (UTC)' }),
    to: z.string().openapi({ format: 'date-time', description: 'First instant of the next day (UTC)' }),
    quiet: z.boolean().openapi({ description: 'Nothing happened that day: no report is sent unless REPORT_SEND_EMPTY' }),
    sent: z
      .object({ sent_at: z.string(), message_id: z.string().nullable(), recipients: z.array(z.string()), delivered_to: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The e-mail sent for the day, if any' }),
    mailings: z.object({
      totals: z.object({ ...finalCounts, total: count, mailings: count }),
      items: z.array(
        z.object({
          mailing_id: z.number().int(),
          text: z.string().nullable(),
          status: z.string().nullable(),
          counts: z.object(finalCounts),
          total: count,
          failure_reasons: z.array(z.object({ status: z.enum(['failed', 'unknown']), reason: z.string(), count })),
        }),
      ),
    }),
    webhooks: z.object({
      deliveries: z.object({ ...Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, count])), total: count }),
      delivery_success_rate: rate,
      attempts: z.object({ total: count, succeeded: count, failed: count, success_rate: rate, latency_p50_ms: count.nullable(), latency_p99_ms: count.nullable() }),
      disabled_endpoints: z.array(z.object({ endpoint_id: z.number().int(), url: z.string(), reason: z.string().nullable(), disabled_at: z.string() })),
    }),
    syncs: z.object({
      totals: z.object({ ...Object.fromEntries(RUN_STATUSES.map((s) => [s, count])), runs: count, fetched: count, inserted: count, updated: count }),
      integrations: z.array(
        z.object({
          integration_id: z.number().int(),
          name: z.string().nullable(),
          ...Object.fromEntries(RUN_STATUSES.map((s) => [s, count])),
          runs: count, fetched: count, inserted: count, updated: count,
        }),
      ),
    }),
  })
  .openapi('DailyReport');
