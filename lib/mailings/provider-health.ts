/**
 * How well the SMS provider is answering, as one send activity sees it, and when to call it *down*.
 *
 * A provider that is partly failing (some 500s, some requests never answered) is not down: its healthy answers keep
 * coming and messages that failed are retried later, each on its own back-off. Only these trip the outage breaker
 * (the activity then stops starting requests and hands back to the workflow, which backs off):
 * - a refused token (401/403) at once;
 * - a failure ratio at or above `ratio` over a decaying window of about `window` recent answers, once at least
 *   `minSamples` were seen (the window is carried from one activity to the next by the workflow, so the last few
 *   messages of a mailing are judged with the history of the rest, not as a batch of one);
 * - `streak` failures in a row (a provider that just died);
 * - with no history yet, a whole batch (smaller than `minSamples`) failing with outage answers (unreachable, timeout,
 *   429/502/503/504): a single message to a dead provider must not spend its attempts.
 * A 429 with Retry-After is flow control, not a failure: it is not counted here.
 *
 * It also learns how fast healthy answers come (`slowAfterMs`): a request still unanswered long after that is likely
 * one the provider will never answer, so the sender stops letting it hold a concurrency slot (it still runs to its
 * answer or timeout, and its outcome is recorded).
 */

/** The window carried between activities (decayed counts; small and deterministic to pass through a workflow). */
export interface ProviderHealthState {
  samples: number;
  failures: number;
}

export interface ProviderHealthOptions {
  window: number;
  ratio: number;
  minSamples: number;
  streak: number;
}

const LATENCY_RING = 256;
/** Healthy answers needed before a request is judged slow. */
const MIN_LATENCY_SAMPLES = 20;
/** A request is slow once it has run this many times the 90th percentile of recent healthy answers... */
const SLOW_FACTOR = 5;
/** ...and at least this long. */
const MIN_SLOW_MS = 100;

export class ProviderHealth {
  private samples: number;
  private failures: number;
  private readonly keep: number;
  private streakLength = 0;
  private streakOutageLike = true;
  private readonly latencies = new Float64Array(LATENCY_RING);
  private latencyCount = 0;
  private slowCache: { at: number; value: number } = { at: -1, value: Infinity };

  constructor(
    private readonly options: ProviderHealthOptions,
    carried?: ProviderHealthState,
  ) {
    this.keep = 1 - 1 / Math.max(options.window, 2);
    this.samples = clampCount(carried?.samples, options.window);
    this.failures = Math.min(clampCount(carried?.failures, options.window), this.samples);
  }

  /** An answer that shows the provider works: accepted, or a message it rejected for its own fault. */
  answered(durationMs?: number): void {
    this.add(false);
    this.streakLength = 0;
    this.streakOutageLike = true;
    if (durationMs !== undefined && Number.isFinite(durationMs)) this.latencies[this.latencyCount++ % LATENCY_RING] = durationMs;
  }

  /** A failed request (transient, unknown, unauthorized); `outageLike` when it says nothing about the message. */
  failed(outageLike: boolean): void {
    this.add(true);
    this.streakLength++;
    this.streakOutageLike &&= outageLike;
  }

  /** Why the provider should be called down now, or null. `batchSize`: requests in the batch being sent. */
  tripReason(batchSize: number): string | null {
    if (this.streakLength >= this.options.streak) return `${this.streakLength} failures in a row`;
    if (this.samples >= this.options.minSamples) {
      const ratio = this.failures / this.samples;
      return ratio >= this.options.ratio ? `${Math.round(ratio * 100)}% of recent requests failed` : null;
    }
    if (this.streakOutageLike && this.streakLength > 0 && this.streakLength >= batchSize) return `every request of the batch failed`;
    return null;
  }

  /**
   * How long a request may hold its concurrency slot before it counts as slow: SLOW_FACTOR x the 90th percentile of
   * recent healthy answers (at least MIN_SLOW_MS, at most `timeoutMs`); `timeoutMs` until enough answers were seen.
   */
  slowAfterMs(timeoutMs: number): number {
    const n = Math.min(this.latencyCount, LATENCY_RING);
    if (n < MIN_LATENCY_SAMPLES) return timeoutMs;
    // Recomputed every 32 answers: a sort of 256 numbers per request would show in the profile.
    if (this.slowCache.at < 0 || this.latencyCount - this.slowCache.at >= 32) {
      const sorted = Array.from(this.latencies.subarray(0, n)).sort((a, b) => a - b);
      this.slowCache = { at: this.latencyCount, value: sorted[Math.floor(0.9 * (n - 1))] * SLOW_FACTOR };
    }
    return Math.min(timeoutMs, Math.max(MIN_SLOW_MS, this.slowCache.value));
  }

  /** The window to carry into the next activity. */
  state(): ProviderHealthState {
    return { samples: round3(this.samples), failures: round3(this.failures) };
  }

  private add(failure: boolean): void {
    this.samples = this.samples * this.keep + 1;
    this.failures = this.failures * this.keep + (failure ? 1 : 0);
  }
}

function clampCount(v: number | undefined, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, max) : 0;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
