import { sql } from 'kysely';
import type { Executor } from './connect';

/**
 * Fixed-window counters in `rate_limits` (migration 2026-12-03T1600). Raw SQL: one atomic upsert per hit, timed by
 * the database's clock so that every API replica agrees on when a window ends.
 */
export interface RateLimitCount {
  hits: number;
  resetAt: Date;
}

/** Counts one hit on `key`: a new window of `windowMs` when there is none or the last one has ended. */
export async function hitRateLimit(db: Executor, key: string, windowMs: number): Promise<RateLimitCount> {
  const { rows } = await sql<{ hits: number; reset_at: Date }>`
    insert into rate_limits as r (key, hits, reset_at)
    values (${key}, 1, now() + ${windowMs}::integer * interval '1 millisecond')
    on conflict (key) do update set
      hits = case when r.reset_at <= now() then 1 else r.hits + 1 end,
      reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
    returning hits, reset_at`.execute(db);
  return { hits: rows[0].hits, resetAt: rows[0].reset_at };
}

/** The current window's count, or undefined when there is none. */
export async function readRateLimit(db: Executor, key: string): Promise<RateLimitCount | undefined> {
  const { rows } = await sql<{ hits: number; reset_at: Date }>`
    select hits, reset_at from rate_limits where key = ${key} and reset_at > now()`.execute(db);
  return rows[0] ? { hits: rows[0].hits, resetAt: rows[0].reset_at } : undefined;
}

/** Takes one hit back (a request that should not have counted). */
export async function unhitRateLimit(db: Executor, key: string): Promise<void> {
  await sql`update rate_limits set hits = greatest(hits - 1, 0) where key = ${key} and reset_at > now()`.execute(db);
}

export async function clearRateLimit(db: Executor, key: string): Promise<void> {
  await sql`delete from rate_limits where key = ${key}`.execute(db);
}

/** Deletes up to `batch` counters whose window ended (rechecked per row: one restarted meanwhile stays). */
export async function purgeEndedRateLimits(db: Executor, batch: number): Promise<number> {
  const result = await sql`
    delete from rate_limits where reset_at <= now() and key in (
      select key from rate_limits where reset_at <= now() order by reset_at limit ${batch}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
