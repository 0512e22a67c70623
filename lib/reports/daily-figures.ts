import type { Executor } from '../db/connect';
import {
  deliveriesOfEventsIn,
  endpointsDisabledIn,
  failureReasons,
  mailingDayCounts,
  syncRunsIn,
  type DisabledEndpoint,
  type FailureReason,
  type IntegrationDayRuns,
  type MailingDayCounts,
} from '../db/daily-report-stats.repository';
import { FINAL_STATUSES, type FinalCounts } from '../db/message-stats.repository';
import type { RunStatus } from '../db/integration-tables';
import type { DeliveryStatus } from '../db/webhook-tables';
import { webhookAttemptSeries, type AttemptFigures } from '../db/webhook-stats.repository';
import { localDayRange } from './report-day';

/** Mailings in one report at most: the busiest (a bound on the report, far above a real day). */
export const MAX_REPORT_MAILINGS = 5_000;

export interface MailingDayRow extends MailingDayCounts {
  total: number;
  reasons: Omit<FailureReason, 'mailingId'>[];
}

/** Everything the daily report says about one day in its time zone. */
export interface DailyFigures {
  date: string;
  timezone: string;
  from: Date;
  to: Date;
  mailings: { rows: MailingDayRow[]; totals: FinalCounts & { total: number; mailings: number } };
  webhooks: {
    deliveries: Record<DeliveryStatus, number> & { total: number };
    /** Succeeded / (succeeded + failed) deliveries of the day's events; null when none has ended. */
    deliverySuccessRate: number | null;
    attempts: AttemptFigures;
    disabledEndpoints: DisabledEndpoint[];
  };
  syncs: {
    totals: Record<RunStatus, number> & { runs: number; fetched: number; inserted: number; updated: number };
    integrations: IntegrationDayRuns[];
  };
}

const zeroFinal = (): FinalCounts => ({ sent: 0, failed: 0, unknown: 0, expired: 0, cancelled: 0 });

/** The day's figures, each from an indexed SQL aggregate. */
export async function collectDailyFigures(db: Executor, date: string, timezone: string, topReasons: number): Promise<DailyFigures> {
  const span = localDayRange(date, timezone);
  const [mailings, deliveries, attempts, disabledEndpoints, integrations] = await Promise.all([
    mailingDayCounts(db, span, MAX_REPORT_MAILINGS),
    deliveriesOfEventsIn(db, span),
    // The range's totals are exact for any span; its per-bucket points (UTC days) are not used.
    webhookAttemptSeries(db, { bucket: 'day', ...span }).then((s) => s.totals),
    endpointsDisabledIn(db, span),
    syncRunsIn(db, span),
  ]);
  const reasons = await failureReasons(db, span, mailings.filter((m) => m.counts.failed + m.counts.unknown > 0).map((m) => m.mailingId), topReasons);

  const totals = { ...zeroFinal(), total: 0, mailings: mailings.length };
  const rows: MailingDayRow[] = mailings.map((m) => {
    const total = FINAL_STATUSES.reduce((sum, s) => sum + m.counts[s], 0);
    for (const s of FINAL_STATUSES) totals[s] += m.counts[s];
    totals.total += total;
    const own = reasons.filter((r) => r.mailingId === m.mailingId).map(({ status, reason, count }) => ({ status, reason, count }));
    return { ...m, total, reasons: own };
  });

  const deliveryTotal = Object.values(deliveries).reduce((a, b) => a + b, 0);
  const ended = deliveries.succeeded + deliveries.failed;
  const syncTotals = { running: 0, succeeded: 0, failed: 0, cancelled: 0, runs: 0, fetched: 0, inserted: 0, updated: 0 };
  for (const i of integrations) for (const k of Object.keys(syncTotals) as (keyof typeof syncTotals)[]) syncTotals[k] += i[k];

  return {
    date,
    timezone,
    ...span,
    mailings: { rows, totals },
    webhooks: {
      deliveries: { ...deliveries, total: deliveryTotal },
      deliverySuccessRate: ended > 0 ? deliveries.succeeded / ended : null,
      attempts,
      disabledEndpoints,
    },
    syncs: { totals: syncTotals, integrations },
  };
}

/** A day on which nothing happened: no message ended, no event was published, no attempt, no sync run, no endpoint disabled. */
export function isQuietDay(f: DailyFigures): boolean {
  return (
    f.mailings.rows.length === 0 &&
    f.webhooks.deliveries.total === 0 &&
    f.webhooks.attempts.attempts === 0 &&
    f.webhooks.disabledEndpoints.length === 0 &&
    f.syncs.totals.runs === 0
  );
}
