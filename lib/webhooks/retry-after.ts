// Parsing of an HTTP Retry-After header (RFC 9110 §10.2.3). Used by activities, not by workflows.

/** Longer waits than this are taken as this: a delivery's whole schedule is shorter. */
export const MAX_RETRY_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

const DELTA_SECONDS = /^\d+$/;
// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Epoch ms of an IMF-fixdate, or null when the text is not one or names no real instant (31 Feb, 25:00:00). */
function parseImfFixdate(text: string): number | null {
  const m = IMF_FIXDATE.exec(text);
  if (m === null) return null;
  const [day, year, hour, minute, second] = [m[1], m[3], m[4], m[5], m[6]].map(Number);
  const month = MONTHS.indexOf(m[2]);
  const t = Date.UTC(year, month, day, hour, minute, second);
  const d = new Date(t);
  const real =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second;
  return real ? t : null;
}

/**
 * The wait a Retry-After header asks for, in ms from `now` (epoch ms of the response): delta-seconds (a non-negative
 * integer, surrounding whitespace allowed) or an HTTP-date (IMF-fixdate; a date in the past gives 0). Capped at
 * MAX_RETRY_AFTER_MS (7 days). null when the header is absent or not one of these forms. Throws RangeError when `now`
 * is not a finite number.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch ms, got ${now}`);
  if (header === null || header === undefined) return null;
  const text = header.trim();
  let ms: number;
  if (DELTA_SECONDS.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = parseImfFixdate(text);
    if (at === null) return null;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
