import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Db } from '../../lib/db/connect';
import { findIntegration } from '../../lib/db/integration.repository';
import { countMailingsByStatus } from '../../lib/db/mailing-stats.repository';
import { findMailing, isMailingFinished } from '../../lib/db/mailing.repository';
import { FINAL_STATUSES, mailingActivitySpan, messageSeries, type FinalCounts, type MessagePoint } from '../../lib/db/message-stats.repository';
import { alignRange, BUCKET_MS, bucketCount, type Bucket, type BucketRange } from '../../lib/db/stats-buckets';
import { syncRunSeries } from '../../lib/db/sync-stats.repository';
import { findEndpoint } from '../../lib/db/webhook-endpoint.repository';
import { webhookAttemptSeries, type AttemptFigures } from '../../lib/db/webhook-stats.repository';
import { NotFoundError, ValidationError } from '../errors';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common.schemas';
import {
  DEFAULT_BUCKETS,
  MailingsByStatusQuery,
  MailingsByStatusSchema,
  MAX_BUCKETS,
  MessageSeriesSchema,
  MessageStatsQuery,
  SyncSeriesSchema,
  SyncStatsQuery,
  TimelineQuery,
  WebhookSeriesSchema,
  WebhookStatsQuery,
} from '../schemas/stats.schemas';

/** A range end as asked for (an ISO string) or its default (epoch ms). */
type End = { given: string | undefined; fallback: () => number };

/**
 * The bucketed range of a statistics query: from < to (400 naming the field otherwise), widened to whole buckets, at
 * most MAX_BUCKETS of them. A range too long is a 400 naming query.from when from was given; a default from is
 * clipped to the last MAX_BUCKETS buckets instead.
 */
export function resolveRange(bucket: Bucket, to: End, from: End): BucketRange {
  const toMs = to.given !== undefined ? Date.parse(to.given) : to.fallback();
  const fromMs = from.given !== undefined ? Date.parse(from.given) : Math.min(from.fallback(), toMs - 1);
  if (fromMs >= toMs) {
    throw new ValidationError([
      to.given !== undefined ? { path: 'query.to', message: 'must be after from' } : { path: 'query.from', message: 'must be before to (default: now)' },
    ]);
  }
  const range = alignRange(bucket, fromMs, toMs);
  const n = bucketCount(range);
  if (n <= MAX_BUCKETS) return range;
  if (from.given === undefined) return { ...range, from: new Date(range.to.getTime() - MAX_BUCKETS * BUCKET_MS[bucket]) };
  throw new ValidationError([
    { path: 'query.from', message: `the range holds ${n} ${bucket} buckets; at most ${MAX_BUCKETS} (e.g. 90 days of hours): narrow it or use a longer bucket` },
  ]);
}

/** The default range of the stats endpoints: DEFAULT_BUCKETS buckets up to now. */
const lastBuckets = (bucket: Bucket, q: { from?: string; to?: string }): BucketRange =>
  resolveRange(bucket, { given: q.to, fallback: () => Date.now() }, {
    given: q.from,
    fallback: () => (q.to !== undefined ? Date.parse(q.to) : Date.now()) - DEFAULT_BUCKETS[bucket] * BUCKET_MS[bucket],
  });

const presentRange = (r: BucketRange) => ({ bucket: r.bucket, from: r.from.toISOString(), to: r.to.toISOString() });

function presentMessageSeries(range: BucketRange, mailingId: number | null, points: MessagePoint[]) {
  const totals = Object.fromEntries(FINAL_STATUSES.map((s) => [s, 0])) as FinalCounts;
  for (const p of points) for (const s of FINAL_STATUSES) totals[s] += p[s];
  return { ...presentRange(range), mailing_id: mailingId, points: points.map((p) => ({ ...p, at: p.at.toISOString() })), totals };
}

const presentAttempts = (f: AttemptFigures) => ({
  attempts: f.attempts,
  succeeded: f.succeeded,
  failed: f.failed,
  success_rate: f.successRate,
  latency_p50_ms: f.latencyP50Ms,
  latency_p99_ms: f.latencyP99Ms,
});

/** Time-bucketed statistics for the console's overview and mailing page: indexed SQL over maintained summaries. */
export function statsSeriesRoutes(db: Db, registry: OpenAPIRegistry): Router {
  const router = Router();
  const tag = 'Statistics';

  defineRoute(router, registry, {
    method: 'get', path: '/stats/messages', tag, role: 'viewer',
    summary: `Messages entering each final status (sent, failed, unknown, expired, cancelled) per minute, hour or day, every bucket of the range (empty ones as zeros), with totals; of every mailing or one. From the per-minute summary the message triggers maintain. At most ${MAX_BUCKETS} buckets`,
    query: MessageStatsQuery, response: { status: 200, schema: MessageSeriesSchema, description: 'The series' }, errors: [404],
    handler: async ({ query }) => {
      if (query.mailing_id !== undefined && !(await findMailing(db, query.mailing_id))) throw new NotFoundError(`mailing ${query.mailing_id}`);
      const range = lastBuckets(query.bucket, query);
      return presentMessageSeries(range, query.mailing_id ?? null, await messageSeries(db, range, query.mailing_id));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/mailings/:id/timeline', tag, role: 'viewer',
    summary: `A mailing's messages entering each final status per bucket (default minute), for its sent-over-time chart. By default from its start (or first final status) to now while it runs, else to just after its last final status, clipped to the last ${MAX_BUCKETS} buckets`,
    params: IdParams, query: TimelineQuery, response: { status: 200, schema: MessageSeriesSchema, description: 'The series' }, errors: [404],
    handler: async ({ params, query }) => {
      const mailing = await findMailing(db, params.id);
      if (!mailing) throw new NotFoundError(`mailing ${params.id}`);
      const span = await mailingActivitySpan(db, mailing.id);
      const now = Date.now();
      const began = Math.min(now, Math.max(mailing.starts_at.getTime(), mailing.created_at.getTime()));
      const lastMinuteEnd = span.last ? span.last.getTime() + BUCKET_MS.minute : 0;
      const range = resolveRange(
        query.bucket,
        { given: query.to, fallback: () => Math.max(lastMinuteEnd, isMailingFinished(mailing) ? 0 : now, began + 1) },
        { given: query.from, fallback: () => Math.min(began, span.first?.getTime() ?? began) },
      );
      return presentMessageSeries(range, mailing.id, await messageSeries(db, range, mailing.id));
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/stats/mailings/by-status', tag, role: 'viewer',
    summary: 'Mailings counted by status: all of them, or those created in [from, to)',
    query: MailingsByStatusQuery, response: { status: 200, schema: MailingsByStatusSchema, description: 'Counts' },
    handler: async ({ query }) => {
      if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) >= Date.parse(query.to)) {
        throw new ValidationError([{ path: 'query.to', message: 'must be after from' }]);
      }
      const counts = await countMailingsByStatus(db, {
        from: query.from !== undefined ? new Date(query.from) : undefined,
        to: query.to !== undefined ? new Date(query.to) : undefined,
      });
      return { from: query.from ?? null, to: query.to ?? null, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/stats/webhooks', tag, role: 'viewer',
    summary: `Webhook delivery attempts per bucket of their start (every bucket, empty ones as zeros) and over the range: attempts, succeeded, failed, success rate, latency p50/p99; of every endpoint or one. From the attempt log. At most ${MAX_BUCKETS} buckets`,
    query: WebhookStatsQuery, response: { status: 200, schema: WebhookSeriesSchema, description: 'The series' }, errors: [404],
    handler: async ({ query }) => {
      if (query.endpoint_id !== undefined && !(await findEndpoint(db, query.endpoint_id))) throw new NotFoundError(`webhook endpoint ${query.endpoint_id}`);
      const range = lastBuckets(query.bucket, query);
      const { points, totals } = await webhookAttemptSeries(db, range, { endpointId: query.endpoint_id });
      return {
        ...presentRange(range),
        endpoint_id: query.endpoint_id ?? null,
        points: points.map((p) => ({ at: p.at.toISOString(), ...presentAttempts(p) })),
        totals: presentAttempts(totals),
      };
    },
  });

  defineRoute(router, registry, {
    method: 'get', path: '/stats/syncs', tag, role: 'viewer',
    summary: `Integration sync runs per bucket of their start (every bucket, empty ones as zeros) and over the range: by status (succeeded, failed, cancelled, running) with the records fetched, inserted and updated; of every integration or one. At most ${MAX_BUCKETS} buckets`,
    query: SyncStatsQuery, response: { status: 200, schema: SyncSeriesSchema, description: 'The series' }, errors: [404],
    handler: async ({ query }) => {
      if (query.integration_id !== undefined && !(await findIntegration(db, query.integration_id))) throw new NotFoundError(`integration ${query.integration_id}`);
      const range = lastBuckets(query.bucket, query);
      const points = await syncRunSeries(db, range, { integrationId: query.integration_id });
      const totals = { runs: 0, succeeded: 0, failed: 0, cancelled: 0, running: 0, fetched: 0, inserted: 0, updated: 0 };
      for (const p of points) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += p[key];
      return { ...presentRange(range), integration_id: query.integration_id ?? null, points: points.map((p) => ({ ...p, at: p.at.toISOString() })), totals };
    },
  });

  return router;
}
