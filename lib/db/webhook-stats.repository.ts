import { sql } from 'kysely';
import type { Executor } from './connect';
import { bucketStart, bucketStarts, type BucketRange } from './stats-buckets';
import { DELIVERY_STATUSES, type DeliveryStatus } from './webhook-tables';

export interface WebhookStats {
  deliveries: Record<DeliveryStatus, number>;
  attempts: { total: number; succeeded: number; failed: number };
  /** Succeeded attempts / attempts, null without attempts. */
  successRate: number | null;
  /** Attempt durations, null without attempts. */
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null;
}

/** Delivery counts by status and attempt figures (since `since`), for one endpoint or all, from indexed SQL. */
export async function webhookStats(db: Executor, f: { endpointId?: number; since?: Date }): Promise<WebhookStats> {
  const endpoint = f.endpointId !== undefined ? sql`endpoint_id = ${f.endpointId}` : sql`true`;
  const since = f.since ? sql`started_at >= ${f.since}` : sql`true`;
  const [byStatus, attempts] = await Promise.all([
    sql<{ status: DeliveryStatus; n: number }>`
      select status, count(*)::int as n from webhook_deliveries where ${endpoint} group by status`.execute(db),
    sql<{ total: number; succeeded: number; p50: number | null; p90: number | null; p99: number | null; max: number | null }>`
      select count(*)::int as total,
             (count(*) filter (where outcome = 'succeeded'))::int as succeeded,
             percentile_cont(0.5) within group (order by duration_ms) as p50,
             percentile_cont(0.9) within group (order by duration_ms) as p90,
             percentile_cont(0.99) within group (order by duration_ms) as p99,
             max(duration_ms) as max
        from webhook_attempts where ${endpoint} and ${since}`.execute(db),
  ]);
  const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const row of byStatus.rows) deliveries[row.status] = row.n;
  const a = attempts.rows[0];
  return {
    deliveries,
    attempts: { total: a.total, succeeded: a.succeeded, failed: a.total - a.succeeded },
    successRate: a.total > 0 ? a.succeeded / a.total : null,
    latencyMs:
      a.total > 0 ? { p50: Math.round(a.p50 ?? 0), p90: Math.round(a.p90 ?? 0), p99: Math.round(a.p99 ?? 0), max: a.max ?? 0 } : null,
  };
}

/** Attempt figures of one bucket (or of a whole range): latencies are null without attempts. */
export interface AttemptFigures {
  attempts: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

type AttemptRow = { at: Date | null; attempts: number | null; succeeded: number | null; p50: number | null; p99: number | null };

const figures = (r: AttemptRow | undefined): AttemptFigures => {
  const attempts = r?.attempts ?? 0;
  const succeeded = r?.succeeded ?? 0;
  return {
    attempts,
    succeeded,
    failed: attempts - succeeded,
    successRate: attempts > 0 ? succeeded / attempts : null,
    latencyP50Ms: attempts > 0 && r?.p50 != null ? Math.round(r.p50) : null,
    latencyP99Ms: attempts > 0 && r?.p99 != null ? Math.round(r.p99) : null,
  };
};

/**
 * Webhook attempts per bucket of the range (every bucket, empty ones as zeros) and over the whole range: counts by
 * outcome, success rate, latency p50/p99 (percentile_cont over duration_ms). One range scan of the attempt log's
 * started_at index, grouped by bucket and as a whole in the same pass (GROUPING SETS), of one endpoint or all.
 */
export async function webhookAttemptSeries(
  db: Executor,
  range: BucketRange,
  f: { endpointId?: number } = {},
): Promise<{ points: (AttemptFigures & { at: Date })[]; totals: AttemptFigures }> {
  const endpoint = f.endpointId !== undefined ? sql`AND endpoint_id = ${f.endpointId}` : sql``;
  const result = await sql<AttemptRow & { whole: number }>`
    WITH attempts AS (
      SELECT ${bucketStart(range.bucket, sql`started_at`)} AS at, outcome, duration_ms FROM webhook_attempts
      WHERE started_at >= ${range.from} AND started_at < ${range.to} ${endpoint}),
    grouped AS (
      SELECT at, grouping(at) AS whole, count(*)::int AS attempts,
             (count(*) FILTER (WHERE outcome = 'succeeded'))::int AS succeeded,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
      FROM attempts GROUP BY GROUPING SETS ((at), ()))
    SELECT b.at, 0 AS whole, g.attempts, g.succeeded, g.p50, g.p99
    FROM ${bucketStarts(range)} AS b(at) LEFT JOIN grouped g ON g.at = b.at AND g.whole = 0
    UNION ALL
    SELECT NULL, 1, attempts, succeeded, p50, p99 FROM grouped WHERE whole = 1
    ORDER BY whole, at`.execute(db);
  const points = result.rows.filter((r) => r.whole === 0).map((r) => ({ at: r.at as Date, ...figures(r) }));
  return { points, totals: figures(result.rows.find((r) => r.whole === 1)) };
}
