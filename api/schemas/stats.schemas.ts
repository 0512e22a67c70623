import { MAILING_STATUSES } from '../../lib/db/database';
import { BUCKETS, type Bucket } from '../../lib/db/stats-buckets';
import { z } from '../openapi';
import { decimalInteger, isoDate, MAX_ID } from './common.schemas';

/** At most this many buckets in one answer: 90 days of hours, 36 hours of minutes, about 6 years of days. */
export const MAX_BUCKETS = 2160;
/** The range when `from` is not given: this many buckets before `to`. */
export const DEFAULT_BUCKETS: Record<Bucket, number> = { minute: 60, hour: 24, day: 30 };

const bucket = (fallback: Bucket) =>
  z.enum(BUCKETS as [Bucket, ...Bucket[]]).default(fallback).openapi({
    description: `Bucket length (UTC-aligned: a day runs 00:00Z-24:00Z); default ${fallback}`,
  });

/** from / to / bucket: the range is widened to whole buckets, at most MAX_BUCKETS of them. */
export const rangeQuery = (fallback: Bucket) => ({
  from: isoDate(`Start of the range (rounded down to its bucket); default: ${DEFAULT_BUCKETS[fallback]} buckets before to`).optional(),
  to: isoDate('End of the range, exclusive (rounded up to its bucket); default: now').optional(),
  bucket: bucket(fallback),
});

const optionalId = (description: string) => decimalInteger({ min: 1, max: MAX_ID, description }).optional();

export const MessageStatsQuery = z.object({ ...rangeQuery('hour'), mailing_id: optionalId('Only this mailing (404 when it does not exist)') });
export const TimelineQuery = z.object({
  from: isoDate("Start of the range; default: the mailing's first final status (or its start)").optional(),
  to: isoDate('End of the range, exclusive; default: now while the mailing runs, else just after its last final status').optional(),
  bucket: bucket('minute'),
});
export const WebhookStatsQuery = z.object({ ...rangeQuery('hour'), endpoint_id: optionalId('Only this endpoint (404 when it does not exist)') });
export const SyncStatsQuery = z.object({ ...rangeQuery('hour'), integration_id: optionalId('Only this integration (404 when it does not exist)') });
export const MailingsByStatusQuery = z.object({
  from: isoDate('Only mailings created at or after this time').optional(),
  to: isoDate('Only mailings created before this time').optional(),
});

const count = z.number().int().min(0);
const at = z.string().openapi({ description: 'Start of the bucket (UTC)', format: 'date-time' });
const rangeFields = {
  bucket: z.enum(BUCKETS as [Bucket, ...Bucket[]]),
  from: z.string().openapi({ description: 'Start of the first bucket', format: 'date-time' }),
  to: z.string().openapi({ description: 'End of the last bucket (exclusive)', format: 'date-time' }),
};

const messageCounts = {
  sent: count,
  failed: count,
  unknown: count,
  expired: count,
  cancelled: count,
};
export const MessageCountsSchema = z.object(messageCounts).openapi('MessageTransitionCounts', {
  description: 'Messages that entered each final status',
});
export const MessageSeriesSchema = z
  .object({
    ...rangeFields,
    mailing_id: z.number().int().nullable(),
    points: z.array(z.object({ at, ...messageCounts }).openapi('MessageSeriesPoint')).openapi({ description: 'Every bucket of the range, in order; empty ones are zeros' }),
    totals: MessageCountsSchema,
  })
  .openapi('MessageSeries', { description: 'Messages entering a final status per bucket, from the maintained per-minute summary' });

export const MailingsByStatusSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    counts: z.object(Object.fromEntries(MAILING_STATUSES.map((s) => [s, count])) as Record<(typeof MAILING_STATUSES)[number], typeof count>),
    total: count,
  })
  .openapi('MailingsByStatus');

const attemptFigures = {
  attempts: count,
  succeeded: count,
  failed: count,
  success_rate: z.number().min(0).max(1).nullable().openapi({ description: 'succeeded / attempts; null without attempts' }),
  latency_p50_ms: z.number().int().nullable().openapi({ description: 'Median attempt duration; null without attempts' }),
  latency_p99_ms: z.number().int().nullable().openapi({ description: '99th percentile attempt duration; null without attempts' }),
};
export const WebhookSeriesSchema = z
  .object({
    ...rangeFields,
    endpoint_id: z.number().int().nullable(),
    points: z.array(z.object({ at, ...attemptFigures }).openapi('WebhookSeriesPoint')).openapi({ description: 'Every bucket of the range, in order; empty ones are zeros' }),
    totals: z.object(attemptFigures).openapi('WebhookAttemptFigures', { description: 'Over the whole range (percentiles of all its attempts)' }),
  })
  .openapi('WebhookSeries', { description: 'Webhook delivery attempts (the attempt log) per bucket of their start' });

const syncFigures = {
  runs: count,
  succeeded: count,
  failed: count,
  cancelled: count,
  running: count,
  fetched: count.openapi({ description: 'Records fetched by these runs' }),
  inserted: count,
  updated: count,
};
export const SyncSeriesSchema = z
  .object({
    ...rangeFields,
    integration_id: z.number().int().nullable(),
    points: z.array(z.object({ at, ...syncFigures }).openapi('SyncSeriesPoint')).openapi({ description: 'Every bucket of the range, in order; empty ones are zeros' }),
    totals: z.object(syncFigures).openapi('SyncFigures'),
  })
  .openapi('SyncSeries', { description: 'Integration sync runs per bucket of their start, by status, with their record counts' });
