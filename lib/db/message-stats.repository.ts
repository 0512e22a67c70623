import { sql } from 'kysely';
import type { Executor } from './connect';
import type { MessageStatus } from './database';
import { bucketStart, bucketStarts, num, type BucketRange } from './stats-buckets';

/** The statuses a message ends in; message_minute_counts counts messages entering them, per minute. */
export type FinalStatus = Exclude<MessageStatus, 'pending'>;
export const FINAL_STATUSES: readonly FinalStatus[] = ['sent', 'failed', 'unknown', 'expired', 'cancelled'];
export type FinalCounts = Record<FinalStatus, number>;

export interface MessagePoint extends FinalCounts {
  at: Date;
}

/**
 * Messages that entered each final status per bucket of the range (every bucket, empty ones as zeros), of one
 * mailing or all, from the trigger-maintained message_minute_counts: a range scan of its minute index (or of the
 * primary key for one mailing), never the messages.
 */
export async function messageSeries(db: Executor, range: BucketRange, mailingId?: number): Promise<MessagePoint[]> {
  const mailing = mailingId === undefined ? sql`` : sql`AND mailing_id = ${mailingId}`;
  const result = await sql<Record<FinalStatus, string | null> & { at: Date }>`
    WITH counts AS (
      SELECT ${bucketStart(range.bucket, sql`minute`)} AS at,
             sum(count) FILTER (WHERE status = 'sent') AS sent,
             sum(count) FILTER (WHERE status = 'failed') AS failed,
             sum(count) FILTER (WHERE status = 'unknown') AS unknown,
             sum(count) FILTER (WHERE status = 'expired') AS expired,
             sum(count) FILTER (WHERE status = 'cancelled') AS cancelled
      FROM message_minute_counts
      WHERE minute >= ${range.from} AND minute < ${range.to} ${mailing}
      GROUP BY 1)
    SELECT b.at, c.sent, c.failed, c.unknown, c.expired, c.cancelled
    FROM ${bucketStarts(range)} AS b(at) LEFT JOIN counts c ON c.at = b.at
    ORDER BY b.at`.execute(db);
  return result.rows.map((r) => ({
    at: r.at, sent: num(r.sent), failed: num(r.failed), unknown: num(r.unknown), expired: num(r.expired), cancelled: num(r.cancelled),
  }));
}

/** The first and last minute in which a message of the mailing reached a final status (null: none yet). */
export async function mailingActivitySpan(db: Executor, mailingId: number): Promise<{ first: Date | null; last: Date | null }> {
  const result = await sql<{ first: Date | null; last: Date | null }>`
    SELECT min(minute) AS first, max(minute) AS last FROM message_minute_counts WHERE mailing_id = ${mailingId}`.execute(db);
  return result.rows[0] ?? { first: null, last: null };
}

export interface TimezoneCounts {
  timezone: string;
  messages: number;
  pending: number;
}

/** A mailing's messages and pending messages per client time zone, from the trigger-maintained summary (one row a zone). */
export async function mailingTimezoneCounts(db: Executor, mailingId: number): Promise<TimezoneCounts[]> {
  const result = await sql<{ timezone: string; messages: string; pending: string }>`
    SELECT timezone, messages, pending FROM mailing_timezone_counts
    WHERE mailing_id = ${mailingId} AND messages > 0 ORDER BY timezone`.execute(db);
  return result.rows.map((r) => ({ timezone: r.timezone, messages: num(r.messages), pending: num(r.pending) }));
}
