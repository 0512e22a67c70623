// The retry schedule of webhook deliveries. Imported by the delivery WORKFLOW, so it stays pure: no Node built-ins, no
// clock, no I/O; randomness comes in as an argument (the workflow passes its own deterministic one).

/** Delays before attempt 2..8: attempt 1 is immediate. 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (27 h 35 min 5 s in all). */
export const RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1; // 8
/** Each scheduled delay varies by ±20% so endpoints that failed together are not retried together. */
export const JITTER = 0.2;
/** A timed-out or rate-limited (429) endpoint is not tried again sooner than this. */
export const MIN_WAIT_AFTER_TIMEOUT_OR_429_MS = 60_000;
/**
 * Retry-After is a floor: the next attempt never comes sooner than the receiver asked. Only how long it may postpone
 * the delivery is capped: a receiver asking for more than a day gets a day.
 */
export const MAX_RETRY_AFTER_POSTPONE_MS = 24 * 3_600_000;

/** The schedule a deployment uses: the default Svix table, or WEBHOOK_RETRY_DELAYS_MS (tests shorten it). */
export interface RetryPolicy {
  delaysMs?: readonly number[];
}

export type AttemptFailureKind = 'timeout' | 'network' | 'http';

export interface FailedAttempt {
  kind: AttemptFailureKind;
  /** HTTP status for `http` failures, null otherwise. */
  statusCode: number | null;
  /** Retry-After of a 429 / 503 response, already parsed into ms from the response (see retry-after.ts). */
  retryAfterMs: number | null;
}

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n >= 1;

/**
 * Delay after the failed attempt number `attempt` (1-based), or null when no attempt is left (attempt >= maxAttempts).
 * `random` returns [0,1).
 * - scheduled = RETRY_DELAYS_MS[attempt-1] * (1 + JITTER * (2*random() - 1)) (±20%); attempts past the table (a
 *   maxAttempts above MAX_ATTEMPTS) reuse its last delay.
 * - 429 and 503 with retryAfterMs: at least retryAfterMs (capped at MAX_RETRY_AFTER_POSTPONE_MS): never earlier than asked.
 * - timeouts and 429 (with or without Retry-After): at least MIN_WAIT_AFTER_TIMEOUT_OR_429_MS.
 * - Result rounded to whole ms.
 * Throws RangeError on arguments no caller should produce (attempt or maxAttempts not a positive integer, random()
 * outside [0,1), a negative or non-finite retryAfterMs).
 */
export function nextRetryDelay(
  attempt: number,
  failure: FailedAttempt,
  random: () => number,
  maxAttempts?: number,
  policy: RetryPolicy = {},
): number | null {
  const delays = policy.delaysMs && policy.delaysMs.length > 0 ? policy.delaysMs : RETRY_DELAYS_MS;
  maxAttempts ??= delays.length + 1;
  if (!isPositiveInteger(attempt)) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (!isPositiveInteger(maxAttempts)) throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  if (attempt >= maxAttempts) return null;

  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
  const base = delays[Math.min(attempt, delays.length) - 1];
  const scheduled = base * (1 + JITTER * (2 * r - 1));

  let delay = scheduled;
  const { kind, statusCode, retryAfterMs } = failure;
  const rateLimited = kind === 'http' && statusCode === 429;
  if (retryAfterMs !== null && kind === 'http' && (statusCode === 429 || statusCode === 503)) {
    if (!(Number.isFinite(retryAfterMs) && retryAfterMs >= 0)) {
      throw new RangeError(`retryAfterMs must be a finite number >= 0, got ${retryAfterMs}`);
    }
    delay = Math.max(scheduled, Math.min(retryAfterMs, MAX_RETRY_AFTER_POSTPONE_MS));
  }
  if (kind === 'timeout' || rateLimited) delay = Math.max(delay, Math.min(MIN_WAIT_AFTER_TIMEOUT_OR_429_MS, delays[delays.length - 1]));
  return Math.ceil(delay);
}
