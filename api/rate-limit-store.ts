import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Db } from '../lib/db/connect';
import { clearRateLimit, hitRateLimit, purgeEndedRateLimits, readRateLimit, unhitRateLimit } from '../lib/db/rate-limit.repository';

const PURGE_EVERY_MS = 5 * 60_000;
const PURGE_BATCH = 5_000;

/** Deletes ended windows at most every 5 minutes per process, triggered by traffic (no timer to stop at shutdown). */
export class RateLimitPurger {
  private last = Date.now();
  private running = false;
  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
  ) {}

  maybePurge(): void {
    if (this.running || Date.now() - this.last < PURGE_EVERY_MS) return;
    this.running = true;
    this.last = Date.now();
    void (async () => {
      while ((await purgeEndedRateLimits(this.db, PURGE_BATCH)) === PURGE_BATCH) {
        /* bounded batches until the ended windows are gone */
      }
    })()
      .catch(this.onError)
      .finally(() => (this.running = false));
  }
}

/**
 * An express-rate-limit store on the app's own database (the `rate_limits` table of the migrations), so the counts
 * are shared by every API replica. Why not a packaged store: @acpr/rate-limit-postgresql opens a pool of its own
 * and creates its tables and functions itself at startup; rate-limiter-flexible's RateLimiterPostgres wants the raw
 * pg pool, which the kysely `Db` keeps to itself. This one reuses `Db`, hence its pool: with the embedded PGlite
 * database (one connection, one session) a second pool would be a second session on it. A request never holds a
 * transaction while it is counted, so the one connection is never waited on by itself.
 */
export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly purger: RateLimitPurger,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const count = await readRateLimit(this.db, this.prefix + key);
    return count && { totalHits: count.hits, resetTime: count.resetAt };
  }

  async increment(key: string): Promise<IncrementResponse> {
    const count = await hitRateLimit(this.db, this.prefix + key, this.windowMs);
    this.purger.maybePurge();
    return { totalHits: count.hits, resetTime: count.resetAt };
  }

  async decrement(key: string): Promise<void> {
    await unhitRateLimit(this.db, this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await clearRateLimit(this.db, this.prefix + key);
  }
}
