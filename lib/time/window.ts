/**
 * Send-window arithmetic for mailings (pure & deterministic: safe to import from Temporal workflow code).
 *
 * No Node built-ins, no imports, no Date.now(), no randomness. The only environment dependency is
 * `Intl.DateTimeFormat` with `timeZone` (the ICU tz database of the running Node), used to read a zone's
 * UTC offset at a given instant. Formatters are cached per time zone.
 *
 * Semantics:
 * - A window `{ from, to }` ("HH:MM", 00:00..23:59) is in the client's LOCAL wall-clock time. Sending is
 *   allowed in [from, to). `to < from` crosses midnight (22:00–06:00 opens at 22:00 on day D and closes at
 *   06:00 on day D+1). `from === to` is invalid. `null` window = any time.
 * - Each local day D yields at most one interval [open, close) of instants:
 *     open  = instant of local (D, from); close = first occurrence of local `to` after open
 *             (same day D, or D+1 when crossing midnight).
 *   Local -> instant conversion:
 *     - nonexistent local time (spring-forward gap, e.g. 02:30 in America/New_York on 2026-03-08) maps to the
 *       first instant after the gap (the transition instant: 03:00 EDT = 07:00Z);
 *     - ambiguous local time (fall-back) maps to the EARLIER occurrence.
 *   So on a fall-back day the interval is one continuous stretch: a 01:30–03:00 window on 2026-11-01 in
 *   New_York is [05:30Z (01:30 EDT), 08:00Z (03:00 EST)), and it does NOT close while the wall clock repeats
 *   01:00–01:30 EST. On a spring-forward day a window lying entirely inside the gap is empty that day.
 *   If `to` falls into a gap and the next day's window opens at that same instant (e.g. 02:30–02:00), the
 *   touching intervals are merged into one.
 * - nextWindowInterval returns only the FIRST such interval at/after fromMs, clipped to [fromMs, untilMs).
 *   If fromMs is inside an interval it is returned with start = fromMs (for a window crossing midnight this
 *   includes the interval that opened on the previous local day). Calling again with fromMs = the returned
 *   (unclipped) end yields the next local day's interval.
 * - Cost: a handful of Intl calls per local day examined; the day search is bounded by untilMs
 *   (≈ (untilMs-fromMs)/day + 3 days, hard cap 400 days), so "never opens before untilMs" ends quickly.
 * - Invalid window or invalid time zone => RangeError (validate with isValidSendWindow / isValidTimeZone first).
 */

export interface SendWindow {
  from: string;
  to: string;
}

/** Epoch ms, half-open [start, end). */
export interface Interval {
  start: number;
  end: number;
}

export interface WindowGroup {
  start: number;
  end: number;
  timezones: string[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MAX_DAYS = 400;
/** 400 Gregorian years are exactly 146097 days; used to dodge Date.UTC's 0..99 => 1900+ year mapping. */
const YEARS_400_MS = 146_097 * DAY_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    // Throws RangeError for unknown zones.
    f = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

function naiveUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 0 && year < 100) {
    return Date.UTC(year + 400, month - 1, day, hour, minute, second) - YEARS_400_MS;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const WALL_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{1,6}),? (\d{1,2}):(\d{2}):(\d{2})$/;

/**
 * Local wall time at instant `ms` (truncated to the second), expressed as "naive" epoch ms, i.e. the epoch ms
 * at which a UTC clock would show the same wall time.
 */
function wallNaive(tz: string, ms: number): number {
  const f = formatterFor(tz);
  // Fast path: format() is several times cheaper than formatToParts(); en-US gives "M/D/YYYY, HH:MM:SS".
  const m = WALL_RE.exec(f.format(ms));
  if (m !== null) {
    return naiveUtc(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]) % 24, Number(m[5]), Number(m[6]));
  }
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of f.formatToParts(ms)) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value) % 24; // some ICU versions print "24" at midnight
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      default:
        break;
    }
  }
  return naiveUtc(year, month, day, hour, minute, second);
}

/** Exact UTC offset of tz at instant ms, in ms (a multiple of 1000). */
function offsetMs(tz: string, ms: number): number {
  const t = Math.floor(ms / 1000) * 1000;
  return wallNaive(tz, t) - t;
}

interface Resolved {
  /** The instant. */
  t: number;
  /** The local time did not exist (DST gap); t is the first instant after the gap. */
  gap: boolean;
}

/**
 * Instant for local wall time `local` (naive epoch ms). Ambiguous => earlier occurrence;
 * nonexistent (gap) => first instant after the gap (smallest t whose wall time >= local).
 */
function localToInstant(tz: string, local: number): Resolved {
  // Offsets before and after any transition near `local` (real instant lies within local ± ~16h).
  // If the pre-transition offset oA fits, that is the earliest occurrence (fall-back: oA > oB, so
  // local - oA < local - oB), so the common no-transition case costs two Intl calls.
  const oA = offsetMs(tz, local - DAY_MS);
  const tA = local - oA;
  if (offsetMs(tz, tA) === oA) return { t: tA, gap: false };
  const oB = offsetMs(tz, local + DAY_MS);
  const tB = local - oB;
  if (oB !== oA && offsetMs(tz, tB) === oB) return { t: tB, gap: false };

  // Gap. Find the smallest t (1 s resolution) with wall(t) >= local.
  const wallOf = (t: number): number => t + offsetMs(tz, t);
  const oMax = Math.max(oA, oB);
  const oMin = Math.min(oA, oB);
  let lo = local - oMax;
  let hi = local - oMin;
  if (!(wallOf(lo) < local && wallOf(hi) >= local)) {
    lo = local - DAY_MS;
    hi = local + DAY_MS;
  }
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallOf(mid) >= local) hi = mid;
    else lo = mid;
  }
  return { t: hi, gap: true };
}

/** IANA name accepted by Intl, e.g. 'Europe/Moscow', 'UTC'. */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** "HH:MM" (two-digit hour 00..23, two-digit minute) -> minutes since midnight; anything else -> null. */
export function parseHHMM(value: string): number | null {
  if (typeof value !== 'string') return null;
  const m = HHMM.exec(value);
  if (m === null) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Both ends parse and from !== to. */
export function isValidSendWindow(w: SendWindow): boolean {
  if (w === null || typeof w !== 'object') return false;
  const from = parseHHMM(w.from);
  const to = parseHHMM(w.to);
  return from !== null && to !== null && from !== to;
}

/** Offset of tz from UTC in minutes at instant ms (e.g. Europe/Moscow -> 180). */
export function utcOffsetMinutes(tz: string, ms: number): number {
  return Math.round(offsetMs(tz, ms) / MINUTE_MS) || 0;
}

/**
 * The first interval at or after fromMs (it may already be open, then start = fromMs) during which the local
 * time in tz is inside the window, clipped so end <= untilMs. null if none starts before untilMs.
 * window null => {start: fromMs, end: untilMs} (null if fromMs >= untilMs).
 */
export function nextWindowInterval(
  tz: string,
  window: SendWindow | null,
  fromMs: number,
  untilMs: number,
): Interval | null {
  if (!Number.isFinite(fromMs) || !Number.isFinite(untilMs)) {
    throw new RangeError(`nextWindowInterval: fromMs/untilMs must be finite (got ${fromMs}, ${untilMs})`);
  }
  if (window !== null && !isValidSendWindow(window)) {
    throw new RangeError(`nextWindowInterval: invalid send window ${JSON.stringify(window)}`);
  }
  if (!isValidTimeZone(tz)) {
    throw new RangeError(`nextWindowInterval: invalid time zone ${JSON.stringify(tz)}`);
  }
  if (fromMs >= untilMs) return null;
  if (window === null) return { start: fromMs, end: untilMs };

  const fromMin = parseHHMM(window.from) as number;
  const toMin = parseHHMM(window.to) as number;
  const crosses = toMin < fromMin;
  const closeAt = (day: number): Resolved => localToInstant(tz, day + (crosses ? DAY_MS : 0) + toMin * MINUTE_MS);

  // Naive midnight of the local day containing fromMs.
  const wall = wallNaive(tz, fromMs);
  const today = wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);

  // Start one local day earlier: its window may still be open (crossing midnight, or DST oddities).
  const maxIter = Math.min(MAX_DAYS, Math.ceil((untilMs - fromMs) / DAY_MS) + 3);
  for (let i = 0; i < maxIter; i++) {
    const day = today + (i - 1) * DAY_MS;
    const open = localToInstant(tz, day + fromMin * MINUTE_MS).t;
    if (open >= untilMs) return null; // opens only get later
    let c = closeAt(day);
    let close = c.t;
    if (close <= open) continue; // window lies inside a DST gap that day
    // If `to` fell into a DST gap, the next day's window can open at that very instant (e.g. 02:30–02:00 on a
    // spring-forward day): merge such touching intervals so one continuous stretch is reported as one interval.
    for (let d = day; c.gap && close < untilMs && d < day + MAX_DAYS * DAY_MS; ) {
      d += DAY_MS;
      if (localToInstant(tz, d + fromMin * MINUTE_MS).t !== close) break;
      c = closeAt(d);
      if (c.t <= close) break;
      close = c.t;
    }
    if (close <= fromMs) continue; // already over
    const start = Math.max(open, fromMs);
    const end = Math.min(close, untilMs);
    if (start < end) return { start, end };
  }
  return null;
}

/**
 * Groups timezones by identical nextWindowInterval(tz, window, fromMs, untilMs); sorted by start then end;
 * timezones inside a group sorted (duplicates removed); zones whose window never opens before untilMs are omitted.
 */
export function planWindows(
  timezones: string[],
  window: SendWindow | null,
  fromMs: number,
  untilMs: number,
): WindowGroup[] {
  const groups = new Map<string, WindowGroup>();
  const unique = Array.from(new Set(timezones)).sort();
  for (const tz of unique) {
    const iv = nextWindowInterval(tz, window, fromMs, untilMs);
    if (iv === null) continue;
    const key = `${iv.start}:${iv.end}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { start: iv.start, end: iv.end, timezones: [] };
      groups.set(key, g);
    }
    g.timezones.push(tz);
  }
  return Array.from(groups.values()).sort((a, b) => a.start - b.start || a.end - b.end);
}
