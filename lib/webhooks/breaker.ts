// The per-endpoint circuit breaker of webhook dispatch (pure; the SQL in webhook-dispatch.repository.ts mirrors it).
//
// After `threshold` consecutive failed attempts the endpoint's breaker opens: no delivery of it is claimed until
// breaker_open_until, when exactly one (the earliest due: schedule order) is claimed as a probe and the breaker is
// pushed out again while the probe is in flight. A success closes it (every due delivery flows again, oldest due
// first); a failed probe reopens it for twice as long, up to 5 minutes. While open, a dead endpoint costs one request
// per probe interval and no Temporal work at all; its deliveries keep their due times and attempt counts.

export const DEFAULT_BREAKER_THRESHOLD = 5;
export const FIRST_PROBE_AFTER_MS = 5_000;
export const MAX_PROBE_AFTER_MS = 5 * 60_000;

/** How long the breaker stays open after opening for the `opens`-th time in a row (0-based). */
export function probeAfterMs(opens: number): number {
  return Math.min(FIRST_PROBE_AFTER_MS * 2 ** Math.max(0, Math.min(opens, 16)), MAX_PROBE_AFTER_MS);
}

/**
 * The breaker's counters after a sequence of attempt outcomes (in completion order), starting from `failures`
 * consecutive failures: the new consecutive count and whether there was a success at all.
 */
export function afterOutcomes(failures: number, outcomes: readonly boolean[]): { failures: number; succeeded: boolean } {
  let consecutive = failures;
  let succeeded = false;
  for (const ok of outcomes) {
    if (ok) (consecutive = 0), (succeeded = true);
    else consecutive++;
  }
  return { failures: consecutive, succeeded };
}
