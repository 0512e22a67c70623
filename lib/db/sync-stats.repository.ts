import { sql } from 'kysely';
import type { Executor } from './connect';
import type { RunStatus } from './integration-tables';
import { bucketStart, bucketStarts, num, type BucketRange } from './stats-buckets';

export interface SyncFigures extends Record<RunStatus, number> {
  runs: number;
  fetched: number;
  inserted: number;
  updated: number;
}

/**
 * Integration sync runs started in each bucket of the range (every bucket, empty ones as zeros), by status, with the
 * records they fetched, inserted and updated; of one integration or all. A range scan of integration_runs_started_idx.
 */
export async function syncRunSeries(db: Executor, range: BucketRange, f: { integrationId?: number } = {}): Promise<(SyncFigures & { at: Date })[]> {
  const integration = f.integrationId !== undefined ? sql`AND integration_id = ${f.integrationId}` : sql``;
  const result = await sql<Record<keyof SyncFigures, string | null> & { at: Date }>`
    WITH runs AS (
      SELECT ${bucketStart(range.bucket, sql`started_at`)} AS at, count(*) AS runs,
             count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
             count(*) FILTER (WHERE status = 'running') AS running,
             sum(fetched) AS fetched, sum(inserted) AS inserted, sum(updated) AS updated
      FROM integration_runs
      WHERE started_at >= ${range.from} AND started_at < ${range.to} ${integration}
      GROUP BY 1)
    SELECT b.at, r.runs, r.succeeded, r.failed, r.cancelled, r.running, r.fetched, r.inserted, r.updated
    FROM ${bucketStarts(range)} AS b(at) LEFT JOIN runs r ON r.at = b.at
    ORDER BY b.at`.execute(db);
  return result.rows.map((r) => ({
    at: r.at,
    runs: num(r.runs),
    succeeded: num(r.succeeded),
    failed: num(r.failed),
    cancelled: num(r.cancelled),
    running: num(r.running),
    fetched: num(r.fetched),
    inserted: num(r.inserted),
    updated: num(r.updated),
  }));
}
