import type { Db } from '../lib/db/connect';
import { holdSending, reserveSendSlots } from '../lib/db/send-rate.repository';

/** A sending-rate cap: its shared key (one row in send_rate_limits) and messages per second. */
export interface RateBucket {
  key: string;
  ratePerS: number;
}

/** Slots reserved per round trip: about 50 ms worth of the slowest cap (a burst no longer than that), 1..maxChunk. */
const CHUNK_SECONDS = 0.05;

/**
 * The gate every provider request of one send activity passes: the sending-rate caps shared by every worker
 * (SEND_RATE_PER_S and the mailing's own), reserved in small chunks through the database, and the provider's own
 * "wait" (429 + Retry-After), which holds this activity at once and every other worker from its next batch on.
 */
export class SendLimiter {
  private buckets: RateBucket[] = [];
  private tokens = 0;
  private refill: Promise<void> | null = null;
  private holdUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly maxChunk: number,
    /** Waits `ms` (returns early when the activity is cancelled: the caller checks). */
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** The caps in force (read again each batch: a mailing's own cap may have been edited). */
  configure(buckets: RateBucket[]): void {
    const changed = buckets.length !== this.buckets.length || buckets.some((b, i) => b.key !== this.buckets[i]?.key || b.ratePerS !== this.buckets[i]?.ratePerS);
    if (changed) (this.buckets = buckets), (this.tokens = 0);
  }

  /** Until when this activity holds its requests (epoch ms; 0: no hold). */
  get heldUntil(): number {
    return this.holdUntil;
  }

  /** Waits for a send slot. `stop()` is asked after each wait: true ends the wait (the caller then sends nothing). */
  async take(stop: () => boolean): Promise<void> {
    for (;;) {
      const held = this.holdUntil - Date.now();
      if (held > 0) {
        await this.sleep(held);
        if (stop()) return;
        continue;
      }
      if (this.buckets.length === 0) return;
      if (this.tokens > 0) {
        this.tokens--;
        return;
      }
      this.refill ??= this.reserve().finally(() => (this.refill = null));
      await this.refill;
      if (stop()) return;
    }
  }

  /** The provider asked for a pause of `ms`: held here at once, and for every worker through the database. */
  async hold(ms: number): Promise<void> {
    this.holdUntil = Math.max(this.holdUntil, Date.now() + ms);
    await holdSending(this.db, ms);
  }

  private async reserve(): Promise<void> {
    const slowest = Math.min(...this.buckets.map((b) => b.ratePerS));
    const chunk = Math.max(1, Math.min(this.maxChunk, Math.ceil(slowest * CHUNK_SECONDS)));
    let wait = 0;
    for (const b of this.buckets) wait = Math.max(wait, await reserveSendSlots(this.db, b.key, b.ratePerS, chunk));
    if (wait > 0) await this.sleep(wait);
    this.tokens += chunk;
  }
}

/** The caps of one mailing: the global one (every mailing) and its own. */
export function rateBuckets(globalRatePerS: number | null | undefined, mailing: { id: number; send_rate_per_s: number | null }): RateBucket[] {
  const buckets: RateBucket[] = [];
  if (globalRatePerS) buckets.push({ key: 'global', ratePerS: globalRatePerS });
  if (mailing.send_rate_per_s) buckets.push({ key: `mailing:${mailing.id}`, ratePerS: mailing.send_rate_per_s });
  return buckets;
}

/** Sleeps `ms`, or less when the activity is cancelled (the caller checks the signal). */
export function sleepUnlessCancelled(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
