// Formatting for display: times in the viewer's zone (or a given IANA zone) with the UTC value for a tooltip,
// numbers and shares in the viewer's language. Pure functions (unit-tested in test/unit/console-format.test.ts).

/** The viewer's IANA time zone. */
export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** "3 Dec 2026, 14:05" in `timeZone` for `locale`; '' for null. */
export function formatDateTime(iso: string | null | undefined, locale: string, timeZone = viewerTimeZone()): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
}

/** The exact UTC instant, for a title attribute: "2026-12-03 11:05:07 UTC". */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The wall-clock time "HH:MM" in a zone at an instant (a client's local time, for send windows). */
export function localClock(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}`;
}

/** The zone's offset from UTC at an instant, as "+03:00" / "-04:30" / "+00:00". */
export function utcOffset(at: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return match ? `${match[1]}:${match[2] ?? '00'}` : '+00:00';
}

/**
 * The value of an <input type="datetime-local"> ("2026-12-03T14:05") read in `timeZone`, as an ISO instant; null
 * when empty or invalid. Around DST gaps the browser's own rules would differ, so the offset is found by iterating.
 */
export function localInputToIso(value: string, timeZone = viewerTimeZone()): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const offset = offsetMinutes(new Date(guess), timeZone);
    guess = wall - offset * 60_000;
  }
  return new Date(guess).toISOString();
}

/** The inverse: an ISO instant as a datetime-local value in `timeZone`. */
export function isoToLocalInput(iso: string | null | undefined, timeZone = viewerTimeZone()): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const shifted = new Date(at.getTime() + offsetMinutes(at, timeZone) * 60_000);
  return shifted.toISOString().slice(0, 16);
}

function offsetMinutes(at: Date, timeZone: string): number {
  const [h, m] = utcOffset(at, timeZone).split(':');
  const sign = h.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(h)) * 60 + Number(m));
}

export const formatNumber = (n: number | null | undefined, locale: string): string =>
  n === null || n === undefined ? '' : new Intl.NumberFormat(locale).format(n);

/** 0.973 -> "97.3%" */
export const formatShare = (share: number | null | undefined, locale: string): string =>
  share === null || share === undefined ? '' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);

/** 1234 -> "1.2 sec" ("1,2 с" in Russian), 87 -> "87 ms": Intl's own unit names for the viewer's language. */
export function formatDuration(ms: number | null | undefined, locale: string): string {
  if (ms === null || ms === undefined) return '';
  const unit = (value: number, name: 'millisecond' | 'second' | 'minute', digits: number) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
  if (ms < 1_000) return unit(ms, 'millisecond', 0);
  if (ms < 60_000) return unit(ms / 1_000, 'second', 1);
  return unit(ms / 60_000, 'minute', 1);
}
