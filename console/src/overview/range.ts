// The overview's time range: a preset (last hour, 24 hours, 7 days, 30 days) or a custom from/to, and the bucket its
// charts use (minutes for short ranges, hours, then days), kept well under the API's limit of 2,160 buckets. Pure
// functions: unit-tested in test/unit/console-mailings-stats.test.ts.

export type Bucket = 'minute' | 'hour' | 'day';
export const PRESETS = ['1h', '24h', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PRESET_MS: Record<Preset, number> = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };
export const BUCKET_MS: Record<Bucket, number> = { minute: MINUTE, hour: HOUR, day: DAY };

export interface Range {
  from: string;
  to: string;
  bucket: Bucket;
}

/** The bucket for a span: minutes up to 6 hours (360 points), hours up to 14 days (336), days beyond. */
export function bucketFor(spanMs: number): Bucket {
  if (spanMs <= 6 * HOUR) return 'minute';
  if (spanMs <= 14 * DAY) return 'hour';
  return 'day';
}

/** A preset ending now. */
export function presetRange(preset: Preset, now: Date): Range {
  const span = PRESET_MS[preset];
  return { from: new Date(now.getTime() - span).toISOString(), to: now.toISOString(), bucket: bucketFor(span) };
}

/** A custom range (ISO instants); null when either is missing or from is not before to. */
export function customRange(from: string | null, to: string | null): Range | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a >= b) return null;
  return { from: new Date(a).toISOString(), to: new Date(b).toISOString(), bucket: bucketFor(b - a) };
}

/** How often a range's figures are read again: every 15 s for minute buckets, every minute otherwise. */
export const refreshMs = (bucket: Bucket): number => (bucket === 'minute' ? 15_000 : 60_000);

/**
 * A statistics series (every bucket of [from, to), as the API answers) as chart columns: each bucket at its middle,
 * with empty points at the range's two edges so the first and last bars are drawn whole and the x axis shows the
 * range asked for. `pick` reads each plotted value from a point (null leaves a gap, e.g. a rate without attempts).
 */
export function bucketColumns<P extends { at: string }, K extends string>(
  series: { bucket: Bucket; from: string; to: string; points: P[] },
  pick: Record<K, (point: P) => number | null>,
): { times: number[]; values: Record<K, (number | null)[]> } {
  const half = BUCKET_MS[series.bucket] / 2;
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const times = [seconds(Date.parse(series.from)), ...series.points.map((p) => seconds(Date.parse(p.at) + half)), seconds(Date.parse(series.to))];
  const values = {} as Record<K, (number | null)[]>;
  for (const key of Object.keys(pick) as K[]) values[key] = [null, ...series.points.map(pick[key]), null];
  return { times, values };
}
