import { sql } from 'kysely';
import type { Executor } from './connect';

/** The key of the provider's own pause (a 429 with Retry-After), seen by every worker. */
export const PROVIDER_HOLD_KEY = 'provider-hold';

/**
 * Reserves `n` send slots of `key` at `ratePerS` (shared by every worker: the row holds the next free slot) and
 * returns how long until the first of them, in ms. The reservation is the queue: the caller waits that long, then
 * sends its `n` messages without asking again.
 */
export async function reserveSendSlots(db: Executor, key: string, ratePerS: number, n: number): Promise<number> {
  const span = `${(1000 * n) / ratePerS} milliseconds`;
  const { rows } = await sql<{ wait_ms: number }>`
    insert into send_rate_limits as r (key, next_at) values (${key}, clock_timestamp() + ${span}::interval)
    on conflict (key) do update set next_at = greatest(r.next_at, clock_timestamp()) + ${span}::interval
    returning greatest(0, extract(epoch from (r.next_at - ${span}::interval - clock_timestamp())) * 1000)::float8 as wait_ms`.execute(db);
  return Math.ceil(rows[0]?.wait_ms ?? 0);
}

/** Asks every worker to start no request before `ms` from now (a longer pause already asked for stays). */
export async function holdSending(db: Executor, ms: number): Promise<void> {
  await sql`
    insert into send_rate_limits as r (key, next_at) values (${PROVIDER_HOLD_KEY}, clock_timestamp() + ${`${ms} milliseconds`}::interval)
    on conflict (key) do update set next_at = greatest(r.next_at, excluded.next_at)`.execute(db);
}

/** How long (ms) the provider asked every worker to wait still; 0 when it did not. */
export async function sendingHeldForMs(db: Executor): Promise<number> {
  const { rows } = await sql<{ wait_ms: number }>`
    select greatest(0, extract(epoch from (next_at - clock_timestamp())) * 1000)::float8 as wait_ms
      from send_rate_limits where key = ${PROVIDER_HOLD_KEY}`.execute(db);
  return Math.ceil(rows[0]?.wait_ms ?? 0);
}
