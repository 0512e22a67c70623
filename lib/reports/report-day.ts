/**
 * Report days: calendar dates (YYYY-MM-DD) of a time zone and the instants they span. Pure and deterministic (no
 * Node built-ins, no clock): safe to import from workflow code. The one environment dependency is the tz database
 * behind Intl (read through lib/time/window.ts).
 */
import { utcOffsetMinutes } from '../time/window';

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string): [number, number, number] | null {
  const m = DATE_RE.exec(date);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** The date's midnight on a UTC clock, as epoch ms (a "naive" local time). */
function naiveMidnight(date: string): number {
  const p = parts(date);
  if (!p || !isReportDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return Date.UTC(p[0], p[1] - 1, p[2]);
}

/** A real calendar date written YYYY-MM-DD, years 1970-2199 (the instants the API takes). */
export function isReportDate(date: string): boolean {
  const p = parts(date);
  if (!p || p[0] < 1970 || p[0] > 2199) return false;
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2]));
  return d.getUTCFullYear() === p[0] && d.getUTCMonth() === p[1] - 1 && d.getUTCDate() === p[2];
}

/** The date n days after (before, for negative n) `date`. */
export function addDays(date: string, n: number): string {
  return new Date(naiveMidnight(date) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The wall clock of tz at instant ms, as naive epoch ms. */
const wall = (tz: string, ms: number): number => ms + utcOffsetMinutes(tz, ms) * 60_000;

/** The calendar date in tz at instant ms. */
export function localDateOf(ms: number, tz: string): string {
  return new Date(wall(tz, ms)).toISOString().slice(0, 10);
}

/** The day a report sent at `scheduledMs` covers: the day before, in tz. */
export const reportDateFor = (scheduledMs: number, tz: string): string => addDays(localDateOf(scheduledMs, tz), -1);

/**
 * The first instant of `date` in tz: its midnight; when a clock change makes one midnight happen twice (a fall-back
 * at 00:00), the earlier; when it skips midnight (a spring-forward at 00:00), the instant the clocks jump.
 */
export function startOfLocalDay(date: string, tz: string): number {
  const local = naiveMidnight(date);
  // The offsets in force a day either side: around one transition at most, one of them is midnight's.
  const candidates = [...new Set([utcOffsetMinutes(tz, local - DAY_MS), utcOffsetMinutes(tz, local + DAY_MS)])]
    .map((offset) => local - offset * 60_000)
    .filter((t) => wall(tz, t) === local)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // Midnight does not exist: the smallest instant whose wall clock reads at least midnight (to the second).
  let lo = local - 18 * 3_600_000; // wall(lo) < local for any offset up to ±18 h
  let hi = local + 18 * 3_600_000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wall(tz, mid) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instants [from, to) of `date` in tz (23, 24 or 25 hours, or another length on a zone's odd days). */
export function localDayRange(date: string, tz: string): { from: Date; to: Date } {
  return { from: new Date(startOfLocalDay(date, tz)), to: new Date(startOfLocalDay(addDays(date, 1), tz)) };
}
