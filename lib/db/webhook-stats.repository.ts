import { sql } from 'kysely';
import type { Executor } from './connect';
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
