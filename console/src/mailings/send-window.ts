// A mailing's send window: "HH:MM" to "HH:MM" in each client's own local time, sending allowed in [from, to); a `to`
// before `from` crosses midnight (22:00-06:00 opens in the evening and closes the next morning). Reading the form's
// <input type="time"> values, describing the window, and whether it is open at a client's local time now. Pure
// functions: unit-tested in test/unit/console-mailings-send-window.test.ts.
import { localClock } from '../lib/format';

export interface SendWindow {
  from: string;
  to: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?$/;
const DAY = 24 * 60;

/** "09:30" -> 570 minutes after midnight; null when not HH:MM (00:00-23:59). Seconds from a time input are dropped. */
export function parseClock(value: string): number | null {
  const match = HHMM.exec(value.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** 570 -> "09:30" */
export const formatClock = (minutes: number): string => {
  const m = ((minutes % DAY) + DAY) % DAY;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

export type WindowProblem = 'from' | 'to' | 'same';

/**
 * The form's window (off, or two time inputs) as the API's send_window: null when off; the problem when a side is
 * empty or not HH:MM, or both are equal (a window must have a length; the API refuses from = to).
 */
export function readSendWindow(enabled: boolean, from: string, to: string): { window: SendWindow | null; problem?: WindowProblem } {
  if (!enabled) return { window: null };
  const a = parseClock(from);
  const b = parseClock(to);
  if (a === null) return { window: null, problem: 'from' };
  if (b === null) return { window: null, problem: 'to' };
  if (a === b) return { window: null, problem: 'same' };
  return { window: { from: formatClock(a), to: formatClock(b) } };
}

/** Whether the window runs past midnight (to < from): it closes on the local day after it opens. */
export function crossesMidnight(window: SendWindow): boolean {
  const a = parseClock(window.from);
  const b = parseClock(window.to);
  return a !== null && b !== null && b < a;
}

/** Minutes the window is open each local day (to - from, wrapping past midnight). */
export function windowMinutes(window: SendWindow): number {
  const a = parseClock(window.from) ?? 0;
  const b = parseClock(window.to) ?? 0;
  return (((b - a) % DAY) + DAY) % DAY;
}

/** Whether a local wall-clock time ("HH:MM") lies in [from, to), wrapping past midnight. A null window is always open. */
export function isOpenAtClock(window: SendWindow | null, clock: string): boolean {
  if (!window) return true;
  const a = parseClock(window.from);
  const b = parseClock(window.to);
  const t = parseClock(clock);
  if (a === null || b === null || t === null) return false;
  return a < b ? t >= a && t < b : t >= a || t < b;
}

/**
 * A client zone's state now: its local clock, whether the window is open there, and the minutes until it next opens
 * (0 when open) or closes (when open). Wall-clock arithmetic: a DST change inside the wait shifts it by the change.
 */
export function zoneWindowNow(window: SendWindow | null, timeZone: string, now: Date): { clock: string; open: boolean; opensInMinutes: number; closesInMinutes: number | null } {
  const clock = localClock(now, timeZone);
  const open = isOpenAtClock(window, clock);
  if (!window) return { clock, open: true, opensInMinutes: 0, closesInMinutes: null };
  const t = parseClock(clock) ?? 0;
  const a = parseClock(window.from) ?? 0;
  const b = parseClock(window.to) ?? 0;
  const until = (target: number) => (((target - t) % DAY) + DAY) % DAY;
  return { clock, open, opensInMinutes: open ? 0 : until(a), closesInMinutes: open ? until(b) || DAY : null };
}

/** "2 h 30 min" / "45 min" / "1 h" from minutes, in the caller's words for hours and minutes. */
export function formatMinutes(minutes: number, units: { h: string; min: string } = { h: 'h', min: 'min' }): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} ${units.min}`;
  return m === 0 ? `${h} ${units.h}` : `${h} ${units.h} ${m} ${units.min}`;
}
