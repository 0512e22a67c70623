/**
 * The webhook half of `npm run bench`: BENCH_EVENTS events fanned out to BENCH_ENDPOINTS endpoints on a local receiver
 * (its own process, BENCH_RECEIVER_LATENCY_MS per answer), through the publisher and the delivery workflows, until every
 * delivery succeeded. Prints deliveries/s, accepted -> first-attempt latency percentiles, attempts, duplicates and the
 * largest history length among a sample of delivery runs. BENCH_PUBLISH_CONCURRENCY (32): publishes in flight;
 * BENCH_EVENTS_PER_SECOND (0 = as fast as that allows): pace the publishes, to see latency below saturation;
 * BENCH_STALL_MS (120000): stop waiting (and report complete: false) after no progress this long.
 */
import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { requireSetting, type Config } from '../lib/config';
import { SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import { insertEndpoint } from '../lib/db/webhook-endpoint.repository';
import type { Logger } from '../lib/logger';
import { webhookOptionsFromConfig } from '../lib/temporal/webhook-workflows';
import { createEventPublisher } from '../lib/webhooks/publisher';
import { generateSecret } from '../lib/webhooks/signing';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE } from '../workflows/webhook.contract';

/** Delivery runs whose history length is looked at. */
const HISTORY_SAMPLE = 20;
const POLL_MS = 250;

export interface WebhookBenchKnobs {
  events: number;
  endpoints: number;
  receiverLatencyMs: number;
  /** Publishes in flight at once. */
  publishConcurrency: number;
  /** Publish pace (0: no pacing). */
  eventsPerSecond: number;
  stallMs: number;
}

export function webhookBenchKnobs(env: NodeJS.ProcessEnv = process.env): WebhookBenchKnobs {
  return {
    events: Number(env.BENCH_EVENTS ?? 500),
    endpoints: Number(env.BENCH_ENDPOINTS ?? 4),
    receiverLatencyMs: Number(env.BENCH_RECEIVER_LATENCY_MS ?? 20),
    publishConcurrency: Number(env.BENCH_PUBLISH_CONCURRENCY ?? 32),
    eventsPerSecond: Number(env.BENCH_EVENTS_PER_SECOND ?? 0),
    stallMs: Number(env.BENCH_STALL_MS ?? 120_000),
  };
}

export interface WebhookBenchDeps {
  db: Db;
  client: Client;
  /** Must carry the ENCRYPTION_KEY the running worker opens secrets with. */
  config: Config;
  logger: Logger;
  /** The bench receiver (scripts/bench-receiver.ts), already running. */
  receiverUrl: string;
  knobs: WebhookBenchKnobs;
}

interface ReceiverStats {
  requests: number;
  duplicates: number;
  paths: Record<string, number>;
}

const count = async (db: Db, status?: string): Promise<number> => {
  const where = status ? sql`where status = ${status}` : sql``;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries ${where}`.execute(db);
  return rows[0].n;
};

/** Runs the webhook bench against a worker already polling config.WEBHOOK_TASK_QUEUE; returns the printed report. */
export async function runWebhookBench(deps: WebhookBenchDeps): Promise<Record<string, unknown>> {
  const { db, client, config, logger, receiverUrl, knobs } = deps;
  const box = new SecretBox(requireSetting(config, 'ENCRYPTION_KEY'));
  for (let i = 0; i < knobs.endpoints; i++) {
    const fields = { url: `${receiverUrl}/ep-${i}`, description: `bench ${i}`, event_types: [], sealed_headers: {}, timeout_ms: 10_000, rate_limit_per_s: null, ordering: 'none' as const, enabled: true };
    await insertEndpoint(db, fields, box.seal(generateSecret()));
  }
  const publisher = createEventPublisher({ db, client, options: webhookOptionsFromConfig(config), logger });
  const expected = knobs.events * knobs.endpoints;

  const started = Date.now();
  let next = 0;
  const publishOne = async () => {
    for (let i = next++; i < knobs.events; i = next++) {
      const due = knobs.eventsPerSecond > 0 ? started + (i * 1000) / knobs.eventsPerSecond - Date.now() : 0;
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      await publisher.publish({ type: 'bench.event', payload: { i }, source: 'api' });
    }
  };
  const publishing = Promise.all(Array.from({ length: Math.min(knobs.publishConcurrency, knobs.events) }, publishOne)).then(() => Date.now());

  // Poll until every delivery succeeded (or nothing moved for stallMs); a publish failure ends the wait too.
  let publishError: unknown;
  publishing.catch((err: unknown) => (publishError = err));
  let succeeded = 0;
  let lastProgress = Date.now();
  while (succeeded < expected && publishError === undefined && Date.now() - lastProgress < knobs.stallMs) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const now = await count(db, 'succeeded');
    if (now > succeeded) lastProgress = Date.now();
    succeeded = now;
  }
  const seconds = (Date.now() - started) / 1000;
  if (publishError !== undefined) throw publishError;
  const publishSeconds = ((await publishing) - started) / 1000;

  const latency = await sql<{ p50: number; p90: number; p99: number; max: number; n: number }>`
    with first as (
      select extract(epoch from (min(a.started_at) - ev.created_at)) * 1000 as ms
        from webhook_deliveries d
        join webhook_events ev on ev.id = d.event_id
        join webhook_attempts a on a.delivery_id = d.id
       group by d.id, ev.created_at)
    select percentile_cont(0.5) within group (order by ms)::float8 as p50,
           percentile_cont(0.9) within group (order by ms)::float8 as p90,
           percentile_cont(0.99) within group (order by ms)::float8 as p99,
           max(ms)::float8 as max, count(*)::int as n
      from first`.execute(db);
  const attempts = await sql<{ total: number; failed: number }>`
    select count(*)::int as total, (count(*) filter (where outcome = 'failed'))::int as failed from webhook_attempts`.execute(db);
  const byStatus = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from webhook_deliveries group by status order by status`.execute(db);
  const deliveries = await count(db);
  const receiver = (await (await fetch(`${receiverUrl}/__stats`)).json()) as ReceiverStats;
  const history = await largestHistory(client);

  const l = latency.rows[0];
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  const report = {
    events: knobs.events,
    endpoints: knobs.endpoints,
    receiverLatencyMs: knobs.receiverLatencyMs,
    complete: succeeded === expected,
    deliveries,
    statuses: Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n])),
    seconds: Number(seconds.toFixed(1)),
    publishSeconds: Number(publishSeconds.toFixed(1)),
    deliveriesPerSecond: Math.round(succeeded / seconds),
    firstAttemptLatencyMs: { p50: ms(l.p50), p90: ms(l.p90), p99: ms(l.p99), max: ms(l.max), deliveries: l.n },
    attempts: attempts.rows[0].total,
    failedAttempts: attempts.rows[0].failed,
    receiverRequests: receiver.requests,
    receiverDuplicates: receiver.requests - deliveries,
    receiverRepeatedMessageIds: receiver.duplicates,
    ...history,
    publishConcurrency: knobs.publishConcurrency,
    eventsPerSecond: knobs.eventsPerSecond || null,
  };
  console.log(JSON.stringify(report, null, 2));
  return report;
}

/** The largest history length among a sample of delivery runs, or why it could not be listed. */
async function largestHistory(client: Client): Promise<{ sampledRuns: number; largestHistoryLength: number | null; historyError?: string }> {
  let sampledRuns = 0;
  let largest = 0;
  try {
    for await (const run of client.workflow.list({ query: `WorkflowType = '${WEBHOOK_DELIVERY_WORKFLOW_TYPE}'` })) {
      largest = Math.max(largest, run.historyLength);
      if (++sampledRuns >= HISTORY_SAMPLE) break;
    }
    return { sampledRuns, largestHistoryLength: sampledRuns > 0 ? largest : null };
  } catch (err) {
    return { sampledRuns, largestHistoryLength: null, historyError: err instanceof Error ? err.message : String(err) };
  }
}
