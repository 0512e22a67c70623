// Pure helpers for counts of messages by status; deterministic, so workflow code may use them too.
import type { StatusCounts } from './db/database';

export const emptyCounts = (): StatusCounts => ({ pending: 0, sent: 0, failed: 0, expired: 0, cancelled: 0, unknown: 0 });

// `?? 0`: counts carried by a workflow run that started before 'unknown' existed lack it.
export const countTotal = (c: StatusCounts): number => c.pending + c.sent + c.failed + c.expired + c.cancelled + (c.unknown ?? 0);

/** Adds `more` into `into` and returns it. */
export function addCounts(into: StatusCounts, more: StatusCounts): StatusCounts {
  for (const key of Object.keys(into) as (keyof StatusCounts)[]) into[key] += more[key] ?? 0;
  return into;
}
