import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MailingStatus } from './database';
import { FINAL_STATUSES, type FinalCounts } from './message-stats.repository';
import { num } from './stats-buckets';
import type { RunStatus } from './integration-tables';
import { RUN_STATUSES } from './integration-tables';
import { DELIVERY_STATUSES, type DeliveryStatus } from './webhook-tables';

// The daily report's figures for one span [from, to) of instants (a day in the report's time zone, which need not
// start at a UTC midnight, so the UTC-bucketed series of the statistics pages cannot serve it): each one a range
// scan of an index, grouped in SQL.

export interface Span {
  from: Date;
  to: Date;
}

export interface MailingDayCounts {
  mailingId: number;
  /** null when the mailing was deleted since (its counts go with it, so this is rare). */
  text: string | null;
  status: MailingStatus | null;
  counts: FinalCounts;
}

/**
 * Mailings whose messages reached a final status in the span, with how many reached each: a range scan of the
 * trigger-maintained message_minute_counts (its minute index), never the messages. Busiest first, at most `limit`.
 */
export async function mailingDayCounts(db: Executor, span: Span, limit: number): Promise<MailingDayCounts[]> {
  const result = await sql<{ mailing_id: number; text: string | null; status: MailingStatus | null } & Record<string, string | null>>`
    WITH day AS (
      SELECT mailing_id,
             sum(count) FILTER (WHERE status = 'sent') AS sent,
             sum(count) FILTER (WHERE status = 'failed') AS failed,
             sum(count) FILTER (WHERE status = 'unknown') AS unknown,
             sum(count) FILTER (WHERE status = 'expired') AS expired,
             sum(count) FILTER (WHERE status = 'cancelled') AS cancelled,
             sum(count) AS total
      FROM message_minute_counts
      WHERE minute >= ${span.from} AND minute < ${span.to}
      GROUP BY mailing_id
      HAVING sum(count) <> 0)
    SELECT d.*, m.text, m.status FROM day d LEFT JOIN mailings m ON m.id = d.mailing_id
    ORDER BY d.total DESC, d.mailing_id LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => ({
    mailingId: Number(r.mailing_id),
    text: r.text,
    status: r.status,
    counts: Object.fromEntries(FINAL_STATUSES.map((s) => [s, num(r[s])])) as FinalCounts,
  }));
}

export interface FailureReason {
  mailingId: number;
  status: 'failed' | 'unknown';
  reason: string;
  count: number;
}

/**
 * The most frequent reasons the given mailings' messages ended failed (or unknown: no answer from the provider) in
 * the span, `top` per mailing. Reads each mailing's failed and unknown messages through messages_mailing_status_idx.
 */
export async function failureReasons(db: Executor, span: Span, mailingIds: number[], top: number): Promise<FailureReason[]> {
  if (mailingIds.length === 0) return [];
  const result = await sql<{ mailing_id: number; status: 'failed' | 'unknown'; reason: string; n: string }>`
    SELECT mailing_id, status, reason, n FROM (
      SELECT mailing_id, status, reason, count(*) AS n,
             row_number() OVER (PARTITION BY mailing_id ORDER BY count(*) DESC, status, reason) AS rank
      FROM (
        SELECT mailing_id, status, coalesce(nullif(left(last_error, 200), ''), '(no reason recorded)') AS reason
        FROM messages
        WHERE mailing_id = ANY(${mailingIds}::bigint[]) AND status IN ('failed', 'unknown')
          AND updated_at >= ${span.from} AND updated_at < ${span.to}) f
      GROUP BY mailing_id, status, reason) ranked
    WHERE rank <= ${top}
    ORDER BY mailing_id, rank`.execute(db);
  return result.rows.map((r) => ({ mailingId: Number(r.mailing_id), status: r.status, reason: r.reason, count: num(r.n) }));
}

/** Deliveries of the events published in the span, by status (events by webhook_events_created_idx, then each one's deliveries). */
export async function deliveriesOfEventsIn(db: Executor, span: Span): Promise<Record<DeliveryStatus, number>> {
  const result = await sql<{ status: DeliveryStatus; n: string }>`
    SELECT d.status, count(*) AS n
    FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id
    WHERE e.created_at >= ${span.from} AND e.created_at < ${span.to}
    GROUP BY d.status`.execute(db);
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const r of result.rows) counts[r.status] = num(r.n);
  return counts;
}

export interface DisabledEndpoint {
  endpointId: number;
  url: string;
  reason: string | null;
  disabledAt: Date;
}

/** Endpoints disabled in the span and not enabled again since (endpoints are few: no index needed). */
export async function endpointsDisabledIn(db: Executor, span: Span): Promise<DisabledEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'disabled_reason', 'disabled_at'])
    .where('disabled_at', '>=', span.from)
    .where('disabled_at', '<', span.to)
    .orderBy('disabled_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ endpointId: r.id, url: r.url, reason: r.disabled_reason, disabledAt: r.disabled_at as Date }));
}

export interface IntegrationDayRuns extends Record<RunStatus, number> {
  integrationId: number;
  name: string | null;
  runs: number;
  fetched: number;
  inserted: number;
  updated: number;
}

/** Sync runs started in the span per integration, by status, with the records they fetched, inserted and updated. */
export async function syncRunsIn(db: Executor, span: Span): Promise<IntegrationDayRuns[]> {
  const result = await sql<{ integration_id: number; name: string | null } & Record<string, string | null>>`
    WITH runs AS (
      SELECT integration_id, count(*) AS runs,
             count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
             count(*) FILTER (WHERE status = 'running') AS running,
             sum(fetched) AS fetched, sum(inserted) AS inserted, sum(updated) AS updated
      FROM integration_runs
      WHERE started_at >= ${span.from} AND started_at < ${span.to}
      GROUP BY integration_id)
    SELECT r.*, i.name FROM runs r LEFT JOIN integrations i ON i.id = r.integration_id
    ORDER BY r.integration_id`.execute(db);
  return result.rows.map((r) => ({
    integrationId: Number(r.integration_id),
    name: r.name,
    runs: num(r.runs),
    ...(Object.fromEntries(RUN_STATUSES.map((s) => [s, num(r[s])])) as Record<RunStatus, number>),
    fetched: num(r.fetched),
    inserted: num(r.inserted),
    updated: num(r.updated),
  }));
}
