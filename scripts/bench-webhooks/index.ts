/**
 * The webhook part of `npm run bench` (BENCH=webhooks): the dispatchers measured the way `npm start` runs them.
 *
 * Every scenario gets a stack of its own, built as `npm start` builds it: the Temporal dev server with a SQLite FILE and
 * its pragmas (scripts/temporal-dev-server.ts, WAL + synchronous=off), the database (BENCH_DATABASE: `pglite`, the
 * embedded PGlite of lib/db/embedded.ts behind one connection, or `postgres`, a fresh database on BENCH_DATABASE_URL;
 * default `both`), the worker serving every queue with the Schedules, the in-process fake SMS provider and, where
 * events go through the HTTP API, the API, all in this process. The receiver (scripts/bench-receiver.ts, 200 after
 * BENCH_RECEIVER_LATENCY_MS = 5) and the HTTP load generator (scripts/bench-publisher.ts) run in processes of their own.
 * The dispatch settings are the config's (WEBHOOK_* in the environment, defaults otherwise) unless a scenario says.
 *
 * BENCH_WEBHOOK_SCENARIOS (comma-separated, default all):
 * - saturation: BENCH_SATURATION_ENDPOINTS ("1,5") endpoints per event; events published through the publisher
 *   (recordEvent) by BENCH_PUBLISH_CONCURRENCY (8) loops for BENCH_SATURATION_SECONDS (30), holding the backlog near
 *   BENCH_SATURATION_BACKLOG (20000) deliveries so the dispatchers never run dry; deliveries/s at the receiver after
 *   the first BENCH_SATURATION_WARMUP_SECONDS (5). Before that, dispatching alone: BENCH_SATURATION_DRAIN (20000)
 *   deliveries published before the worker starts, then drained.
 * - latency: BENCH_LATENCY_RATE (500) events/s through POST /api/v1/webhooks/events for BENCH_LATENCY_SECONDS (30) to
 *   BENCH_LATENCY_ENDPOINTS (1); accepted (the event's created_at) -> first attempt (arrival at the receiver).
 * - temporal: BENCH_TEMPORAL_EVENTS (2000) x BENCH_TEMPORAL_ENDPOINTS (5) at BENCH_TEMPORAL_RATE (100) events/s, once
 *   with every request answered 200 and once with BENCH_FAIL_RATE (0.1) of them answered 500 (retry delays shortened
 *   to BENCH_TEMPORAL_RETRY_DELAYS_MS so the run ends in minutes; retries are rows, not Temporal work), then
 *   BENCH_TEMPORAL_IDLE_SECONDS (120) with no traffic: workflow starts, history events and actions on the webhook queue
 *   per 100 deliveries (history read with fetchHistory from every run, continued-as-new ones included).
 * - dead: a healthy and a dead endpoint (same dispatcher shard) get BENCH_DEAD_RATE (200) events/s through the API:
 *   BENCH_DEAD_BASELINE_SECONDS (60) both answering, BENCH_DEAD_MINUTES (10) the dead one answering 503, then it comes
 *   back and publishing stops: healthy p50/p99 before and during, requests the dead one got, Temporal work during,
 *   time until its backlog drained and whether it arrived in due order.
 * - crash: BENCH_CRASH_DELIVERIES (20000) over BENCH_CRASH_ENDPOINTS (5) endpoints published, then the worker started
 *   as its own process with WEBHOOK_DISPATCH_LEASE_MS=BENCH_CRASH_LEASE_MS (10000), killed with SIGKILL once
 *   BENCH_CRASH_AT (0.4) of them arrived, and started again: lost (must be 0) and repeats (same webhook-id). On
 *   PostgreSQL the process is worker/main.ts; on PGlite it is `npm start` itself (scripts/start.ts: the embedded
 *   database lives in that process, so the kill takes it down too and the restart recovers it from its WAL).
 *
 * Files: knobs.ts (the knobs above), processes.ts (child processes, CPU), receiver.ts, stack.ts (a stack, publishing),
 * measure.ts (percentiles, arrivals, latencies, Temporal work) and one file per scenario.
 */
import os from 'node:os';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { generateEncryptionKey } from '../../lib/crypto/secret-box';
import type { Logger } from '../../lib/logger';
import { WORKFLOWS_PATH } from '../../worker/start-worker';
import { resolveTemporalCli } from '../temporal-binaries';
import { crash } from './crash';
import { dead } from './dead';
import type { Report, WebhookBenchKnobs } from './knobs';
import { latency } from './latency';
import type { TemporalWork } from './measure';
import { Receiver } from './receiver';
import { saturation } from './saturation';
import type { Shared } from './stack';
import { temporal } from './temporal';

export { webhookBenchKnobs, type WebhookBenchKnobs } from './knobs';

export interface WebhookBenchDeps {
  logger: Logger;
  knobs: WebhookBenchKnobs;
}

/** Runs the chosen scenarios on the chosen databases; prints each report as it is done and returns them all. */
export async function runWebhookBench(deps: WebhookBenchDeps): Promise<Report[]> {
  const { knobs, logger } = deps;
  const cliPath = await resolveTemporalCli();
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const receiver = await Receiver.start(knobs.receiverLatencyMs);
  const shared: Shared = { knobs, logger, cliPath, bundle, receiver, encryptionKey: generateEncryptionKey() };
  const reports: Report[] = [];
  const emit = (r: Report) => {
    reports.push(r);
    console.log(JSON.stringify(r, null, 2));
  };
  process.stderr.write(`webhook bench: scenarios ${knobs.scenarios.join(', ')} on ${knobs.databases.join(', ')}; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  try {
    for (const scenario of knobs.scenarios) {
      for (const kind of knobs.databases) {
        const at = Date.now();
        process.stderr.write(`webhook bench: ${scenario} on ${kind}...\n`);
        if (scenario === 'saturation') for (const n of knobs.saturationEndpoints) emit(await saturation(shared, kind, n));
        if (scenario === 'latency') emit(await latency(shared, kind));
        if (scenario === 'temporal') emit(await temporal(shared, kind));
        if (scenario === 'dead') emit(await dead(shared, kind));
        if (scenario === 'crash') emit(await crash(shared, kind));
        process.stderr.write(`webhook bench: ${scenario} on ${kind} took ${((Date.now() - at) / 1000).toFixed(0)} s\n`);
      }
    }
  } finally {
    await receiver.close();
  }
  console.log(JSON.stringify({ summary: summarise(reports) }, null, 2));
  return reports;
}

/** One line per figure the issue asks for. */
function summarise(reports: Report[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    const db = r.database as string;
    if (r.scenario === 'saturation') {
      const d = r.drain as { backlog: number; deliveriesPerSecond: number };
      const su = r.sustained as { deliveriesPerSecond: number; publishedEventsPerSecond: number; limitedBy: string; repeats: number; acceptedToFirstAttemptMs: { p50: number; p99: number } };
      lines.push(
        `saturation ${db} ${r.endpointsPerEvent} endpoint(s)/event: backlog of ${d.backlog} drained at ${d.deliveriesPerSecond}/s; publishing and delivering at once ${su.deliveriesPerSecond} deliveries/s (${su.publishedEventsPerSecond} events/s, limited by ${su.limitedBy}, p50/p99 ${su.acceptedToFirstAttemptMs.p50}/${su.acceptedToFirstAttemptMs.p99} ms, repeats ${su.repeats})`,
      );
    } else if (r.scenario === 'latency') {
      const l = r.acceptedToFirstAttemptMs as { p50: number; p90: number; p99: number; max: number };
      const p = r.publisher as { eventsPerSecond: number; accepted: number; rejected429: number; responseMs: { p50: number; p99: number } };
      lines.push(`latency ${db} ${r.targetEventsPerSecond}/s: accepted->first attempt p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (published ${p.eventsPerSecond}/s, ${p.accepted} accepted, ${p.rejected429} 429s, API p50/p99 ${p.responseMs.p50}/${p.responseMs.p99} ms)`);
    } else if (r.scenario === 'temporal') {
      for (const run of r.runs as { run: string; deliveries: number; per100Deliveries: { workflowStarts: number; historyEvents: number; actions: number } }[]) {
        lines.push(`temporal ${db} ${run.run}: per 100 deliveries ${run.per100Deliveries.workflowStarts} starts, ${run.per100Deliveries.historyEvents} history events, ${run.per100Deliveries.actions} actions (${run.deliveries} deliveries)`);
      }
      const idle = (r.idle as { perMinute: { workflowStarts: number; historyEvents: number } }).perMinute;
      lines.push(`temporal ${db} idle: ${idle.workflowStarts} starts/min, ${idle.historyEvents} history events/min`);
    } else if (r.scenario === 'dead') {
      const h = r.healthyAcceptedToFirstAttemptMs as Record<string, { p50: number; p99: number }>;
      const d = r.deadEndpoint as Record<string, unknown>;
      const t = r.temporalWhileDead as TemporalWork;
      lines.push(
        `dead ${db} ${r.deadMinutes} min (${r.secondsDead} s) at ${r.eventsPerSecond}/s: healthy p50/p99 ${h.baseline.p50}/${h.baseline.p99} ms before, ${h.whileDead.p50}/${h.whileDead.p99} ms while dead; dead got ${d.requestsWhileDead} requests; Temporal ${Object.values(t.starts).reduce((a, b) => a + b, 0)} starts, ${t.historyEvents} history events; back: first success ${d.secondsToFirstSuccess} s, drained ${d.secondsToDrain} s (${d.pendingAtComeback} pending), order lag p99/max ${(d.orderLagRanks as { p99: number }).p99}/${(d.orderLagRanks as { max: number }).max}`,
      );
    } else if (r.scenario === 'crash') {
      lines.push(`crash ${db}: ${r.deliveries} deliveries, killed at ${r.receivedAtKill}, lost ${r.lost}, repeats ${r.repeats} (unexpected ids ${r.unexpectedWebhookIds}), all delivered ${r.secondsFromKillToAllDelivered} s after the kill`);
    }
  }
  return lines;
}
