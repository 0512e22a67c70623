// Timestamps in upstream records and in the `since` query parameter: ISO 8601 text, unix seconds or unix milliseconds.

export type TimeFormat = 'iso' | 'unix' | 'unix_ms';

// Dates from 1970 to 9999: anything outside is not a timestamp we should trust (a counter, a typo).
const MAX_MS = Date.UTC(9999, 11, 31);
// ISO 8601 date or date-time, or an RFC 2822 / HTTP date ('Tue, 15 Nov 1994 08:12:31 GMT').
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const RFC_DATE = /^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(:\d{2})? (GMT|UTC|[+-]\d{4})$/;

const inRange = (ms: number): number | null => (Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS ? Math.floor(ms) : null);

/**
 * Epoch ms of a record's timestamp, or null when it is not one. Numbers (and digit strings) are unix seconds or ms as
 * `format` says; with 'iso' a number below 10^11 is taken as seconds (that is before 1973 in ms), above as ms.
 */
export function parseTimestamp(value: unknown, format: TimeFormat = 'iso'): number | null {
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{1,16}(\.\d+)?$/.test(text)) return parseTimestamp(Number(text), format);
    const iso = ISO_DATE.exec(text);
    if (iso) {
      // A date-time without an offset is read as UTC, never as the worker's local time.
      const normalized = text.replace(' ', 'T');
      return inRange(Date.parse(iso[1] !== undefined && iso[4] === undefined ? `${normalized}Z` : normalized));
    }
    return RFC_DATE.test(text) ? inRange(Date.parse(text)) : null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const seconds = format === 'unix' || (format === 'iso' && Math.abs(value) < 1e11);
  return inRange(seconds ? value * 1000 : value);
}

/** The `since` query parameter's text for an instant. Unix seconds round down so nothing in the last second is missed. */
export function formatTimestamp(ms: number, format: TimeFormat): string {
  if (format === 'unix') return String(Math.floor(ms / 1000));
  if (format === 'unix_ms') return String(ms);
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** ISO text of an instant, as cursors keep it (readable in run records). */
export const isoOf = (ms: number): string => new Date(ms).toISOString();
