/** What the scenarios measure: percentiles, arrivals at the receiver, latencies, the deliveries' state, Temporal work. */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { sql } from 'kysely';
import type { Db } from '../../lib/db/connect';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (v: number | null | undefined, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? null : Number(v.toFixed(digits)));

export function percentiles(values: number[]): { p50: number | null; p90: number | null; p99: number | null; max: number | null; n: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : null);
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(s[s.length - 1] ?? null), n: s.length };
}

export interface Arrivals {
  ids: string[];
  at: number[];
  status: number[];
}

/** First arrival per webhook-id of a path, in arrival order. */
export function firstArrivals(a: Arrivals): { id: string; at: number; status: number }[] {
  const seen = new Set<string>();
  const out: { id: string; at: number; status: number }[] = [];
  for (let i = 0; i < a.ids.length; i++) {
    if (seen.has(a.ids[i])) continue;
    seen.add(a.ids[i]);
    out.push({ id: a.ids[i], at: a.at[i], status: a.status[i] });
  }
  return out;
}

export const eventIdOf = (webhookId: string) => Number(webhookId.replace(/^msg_/, ''));

export const countDeliveries = async (db: Db, where = sql`true`): Promise<number> =>
  (await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where ${where}`.execute(db)).rows[0].n;

/** Waits until no delivery is pending (or `timeoutMs` passed); returns when it happened (ms) or null. */
export async function waitDrained(db: Db, timeoutMs: number, pollMs = 250): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await countDeliveries(db, sql`status = 'pending'`)) === 0) return Date.now();
    await sleep(pollMs);
  }
  return null;
}

/** Created-at (ms) of every event. */
export async function eventTimes(db: Db): Promise<Map<number, number>> {
  const { rows } = await sql<{ id: number; ms: number }>`select id, (extract(epoch from created_at) * 1000)::float8 as ms from webhook_events`.execute(db);
  return new Map(rows.map((r) => [Number(r.id), Number(r.ms)]));
}

/** Accepted -> first attempt (ms) for the events created in [from, to). */
export function latencies(first: { id: string; at: number }[], created: Map<number, number>, from = -Infinity, to = Infinity): number[] {
  const out: number[] = [];
  for (const a of first) {
    const c = created.get(eventIdOf(a.id));
    if (c === undefined || c < from || c >= to) continue;
    out.push(a.at - c);
  }
  return out;
}

// Temporal work on the webhook queue

export interface TemporalWork {
  /** Executions started in the window (continued-as-new runs and Schedule fires included), by workflow type. */
  starts: Record<string, number>;
  continuedAsNew: number;
  historyEvents: number;
  historyEventsByType: Record<string, number>;
  activitiesScheduled: number;
  timersStarted: number;
  signals: number;
  /** What Temporal Cloud bills as actions, from the histories: starts + activities + timers + signals (heartbeats are not in histories: about one per dispatcher per 48 s). */
  actions: number;
  runsRead: number;
}

export async function temporalWork(client: Client, taskQueue: string, from: number, to: number): Promise<TemporalWork> {
  const work: TemporalWork = { starts: {}, continuedAsNew: 0, historyEvents: 0, historyEventsByType: {}, activitiesScheduled: 0, timersStarted: 0, signals: 0, actions: 0, runsRead: 0 };
  const runs: { workflowId: string; runId: string; type: string }[] = [];
  for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    if (w.closeTime && w.closeTime.getTime() < from) continue;
    if (w.startTime.getTime() > to) continue;
    runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  }
  for (const run of runs) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    work.runsRead++;
    for (const e of history.events ?? []) {
      const t = tsToMs(e.eventTime);
      if (t < from || t > to) continue;
      work.historyEvents++;
      work.historyEventsByType[run.type] = (work.historyEventsByType[run.type] ?? 0) + 1;
      if (e.workflowExecutionStartedEventAttributes) work.starts[run.type] = (work.starts[run.type] ?? 0) + 1;
      if (e.workflowExecutionContinuedAsNewEventAttributes) work.continuedAsNew++;
      if (e.activityTaskScheduledEventAttributes) work.activitiesScheduled++;
      if (e.timerStartedEventAttributes) work.timersStarted++;
      if (e.workflowExecutionSignaledEventAttributes) work.signals++;
    }
  }
  const starts = Object.values(work.starts).reduce((a, b) => a + b, 0);
  work.actions = starts + work.activitiesScheduled + work.timersStarted + work.signals;
  return work;
}

export function per100(work: TemporalWork, deliveries: number) {
  const starts = Object.values(work.starts).reduce((a, b) => a + b, 0);
  const k = deliveries > 0 ? 100 / deliveries : NaN;
  return { workflowStarts: round(starts * k, 3), historyEvents: round(work.historyEvents * k, 3), actions: round(work.actions * k, 3) };
}
