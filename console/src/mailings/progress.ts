// A mailing's progress as the pages show it: statuses in display order, how far it got, whether it is finished, and
// a bucketed series (the API's timeline and message statistics) as chart columns. Pure functions: unit-tested in
// test/unit/console-mailings-progress.test.ts.

export const MESSAGE_STATUSES = ['pending', 'sent', 'failed', 'unknown', 'expired', 'cancelled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type StatusCounts = Record<MessageStatus, number>;

export const MAILING_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type MailingStatus = (typeof MAILING_STATUSES)[number];

/** Completed and cancelled mailings change no more: no live updates, no controls but delete. */
export const isFinished = (status: string): boolean => status === 'completed' || status === 'cancelled';

/** Messages that reached a final status out of all, and that share (0 with no messages yet). */
export function progressShare(counts: StatusCounts, total: number): { done: number; share: number } {
  const done = Math.max(0, total - counts.pending);
  return { done, share: total > 0 ? done / total : 0 };
}

/** The final statuses a series carries, with their chart colours (sent green, failed red, unknown amber, …). */
export const SERIES_COLOURS: Record<Exclude<MessageStatus, 'pending'>, string> = {
  sent: '#2e7d32',
  failed: '#c62828',
  unknown: '#b26a00',
  expired: '#6d4c41',
  cancelled: '#78909c',
};

export interface SeriesPoint {
  at: string;
}

/**
 * A bucketed series as uPlot columns: `times` in epoch seconds and one array per key. With `cumulative`, each value
 * is the running sum (messages sent so far), which reads better for a mailing than per-minute bars.
 */
export function toColumns<P extends SeriesPoint, K extends keyof P & string>(points: P[], keys: K[], cumulative = false): { times: number[]; values: Record<K, number[]> } {
  const times = points.map((p) => Math.floor(Date.parse(p.at) / 1000));
  const values = {} as Record<K, number[]>;
  for (const k of keys) {
    let sum = 0;
    values[k] = points.map((p) => {
      const v = Number(p[k] ?? 0);
      sum += v;
      return cumulative ? sum : v;
    });
  }
  return { times, values };
}

export const BUCKET_SECONDS = { minute: 60, hour: 3_600, day: 86_400 } as const;

/**
 * A bucketed series as chart columns that always span some time: running totals are plotted at the END of each
 * bucket, after a 0 at the start of the first (one minute of sending is a rising line, not a lone dot uPlot cannot
 * scale); per-bucket values at each bucket's start, with an empty bucket after the last so a single bar has an axis.
 */
export function seriesColumns<P extends SeriesPoint, K extends keyof P & string>(
  series: { bucket: keyof typeof BUCKET_SECONDS; points: P[] },
  keys: K[],
  cumulative: boolean,
): { times: number[]; values: Record<K, number[]> } {
  const { times, values } = toColumns(series.points, keys, cumulative);
  if (times.length === 0) return { times, values };
  const step = BUCKET_SECONDS[series.bucket];
  if (cumulative) {
    for (const k of keys) values[k] = [0, ...values[k]];
    return { times: [times[0], ...times.map((t) => t + step)], values };
  }
  for (const k of keys) values[k] = [...values[k], 0];
  return { times: [...times, times[times.length - 1] + step], values };
}

/** Whether any of the keys is non-zero somewhere (an all-zero chart shows an empty state instead). */
export const hasData = <P, K extends keyof P>(points: P[], keys: K[]): boolean => points.some((p) => keys.some((k) => Number(p[k] ?? 0) > 0));

/** A group's zones for a table cell: the first few names and how many more. */
export function zoneList(timezones: string[], shown = 3): { names: string[]; more: number } {
  return { names: timezones.slice(0, shown), more: Math.max(0, timezones.length - shown) };
}

/**
 * An instant relative to now in the viewer's language ("in 5 minutes", "2 hours ago"), in the largest unit that fits;
 * "now" within a few seconds.
 */
export function formatRelative(iso: string, now: Date, locale: string): string {
  const diff = Date.parse(iso) - now.getTime();
  if (!Number.isFinite(diff)) return '';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1_000],
  ];
  if (abs < 5_000) return format.format(0, 'second');
  for (const [unit, ms] of units) {
    if (abs >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, 'second');
}

/**
 * The Temporal Web UI page of a mailing's workflow (`mailing-<id>`), or null when the session names no Temporal UI.
 * Without a run id the UI shows the latest run of that workflow id, which follows continue-as-new.
 */
export function temporalRunUrl(temporalUiUrl: string | null | undefined, workflowId: string, namespace = 'default'): string | null {
  if (!temporalUiUrl) return null;
  return `${temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
