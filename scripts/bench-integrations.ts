/**
 * The integration half of `npm run bench` (BENCH=integrations), through the real API, worker and sync workflow:
 * 1. full import of BENCH_SYNC_RECORDS (100000) items from a local JSON API with page pagination, once per size in
 *    BENCH_SYNC_PAGE_SIZES ("500,100"): seconds, records/s, pages/s, p50/p99 of the syncPage activities (from the
 *    workflow histories), the bench process's peak RSS (it hosts the worker and the API), executions and the largest
 *    history length of one execution (continue-as-new every 500 pages);
 * 2. an incremental run after BENCH_SYNC_CHANGE_PERCENT (1) % of the items changed upstream, one with nothing changed,
 *    and a full resync with nothing changed (every record fetched and upserted again, none updated);
 * 3. BENCH_SYNC_CONCURRENT (20; 0 skips) integrations of BENCH_SYNC_CONCURRENT_RECORDS (1000) items synced at once:
 *    wall time, statuses, a second "sync now" on each while it runs (409 expected) and overlapping runs (0 expected).
 * The upstream it syncs from is scripts/bench-upstream.ts, in its own process (bench.ts spawns it).
 */
import type { Client } from '@temporalio/client';
import { startApiServer } from '../api/start-api';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { UPSTREAM_TOKEN as TOKEN } from './bench-upstream';

const API_KEY = 'bench-admin-key-0123456789';

export interface IntegrationBenchKnobs {
  records: number;
  pageSizes: number[];
  changePercent: number;
  concurrent: number;
  concurrentRecords: number;
}

export function integrationBenchKnobs(env: NodeJS.ProcessEnv = process.env): IntegrationBenchKnobs {
  return {
    records: Number(env.BENCH_SYNC_RECORDS ?? 100_000),
    pageSizes: (env.BENCH_SYNC_PAGE_SIZES ?? '500,100').split(',').map(Number).filter((n) => n > 0),
    changePercent: Number(env.BENCH_SYNC_CHANGE_PERCENT ?? 1),
    concurrent: Number(env.BENCH_SYNC_CONCURRENT ?? 20),
    concurrentRecords: Number(env.BENCH_SYNC_CONCURRENT_RECORDS ?? 1000),
  };
}

export interface IntegrationBenchDeps {
  db: Db;
  client: Client;
  /** The worker's config (an API is started on it, with an admin key of its own). */
  config: Config;
  logger: Logger;
  /** scripts/bench-upstream.ts, already listening. */
  upstreamUrl: string;
  knobs: IntegrationBenchKnobs;
}

const round = (v: number, digits = 0) => Number(v.toFixed(digits));
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
const tsMs = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) => (ts ? Number(String(ts.seconds ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6 : 0);

/** Samples this process's RSS (worker + API + bench driver) and CPU while `work` runs. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMb: number; cpuPercent: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { value, seconds: ms / 1000, peakRssMb: round(peak / 2 ** 20), cpuPercent: round(((used.user + used.system) / 1000 / ms) * 100) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Every execution of a sync workflow (walking continue-as-new back from the latest): how many, the largest history,
 * and the syncPage activities' times (scheduled -> completed, i.e. with queueing, and started -> completed).
 */
async function historyFigures(client: Client, workflowId: string) {
  const lengths: number[] = [];
  const total: number[] = [];
  const work: number[] = [];
  /** From one page's completion to the next page's scheduling: the workflow task in between. */
  const gaps: number[] = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    const scheduled = new Map<string, number>();
    const started = new Map<string, number>();
    let completed: number | null = null;
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name === 'syncPage') {
        if (completed !== null) gaps.push(tsMs(e.eventTime) - completed);
        scheduled.set(String(e.eventId), tsMs(e.eventTime));
      }
      const st = e.activityTaskStartedEventAttributes;
      if (st) started.set(String(st.scheduledEventId), tsMs(e.eventTime));
      const c = e.activityTaskCompletedEventAttributes;
      const at = c ? scheduled.get(String(c.scheduledEventId)) : undefined;
      if (c && at !== undefined) {
        total.push(tsMs(e.eventTime) - at);
        work.push(tsMs(e.eventTime) - (started.get(String(c.scheduledEventId)) ?? at));
        completed = tsMs(e.eventTime);
      }
    }
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  for (const list of [total, work, gaps]) list.sort((a, b) => a - b);
  const ms = (v: number | null) => (v === null ? null : round(v, 1));
  return {
    executions: lengths.length,
    largestHistory: Math.max(...lengths),
    pageMs: { p50: ms(percentile(total, 0.5)), p99: ms(percentile(total, 0.99)), max: ms(total.at(-1) ?? null) },
    pageWorkMs: { p50: ms(percentile(work, 0.5)), p99: ms(percentile(work, 0.99)) },
    betweenPagesMs: { p50: ms(percentile(gaps, 0.5)), p99: ms(percentile(gaps, 0.99)) },
  };
}

/** Runs the integration bench against a worker already polling the integration task queue; returns the report. */
export async function runIntegrationBench(deps: IntegrationBenchDeps): Promise<Record<string, unknown>> {
  const { db, client, upstreamUrl, knobs } = deps;
  const api = await startApiServer({ config: { ...deps.config, ADMIN_API_KEY: API_KEY, API_PORT: 0, API_HOST: '127.0.0.1' }, db, logger: deps.logger });
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${api.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const expect = async (want: number, method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body);
    if (r.status !== want) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const rssBeforeMb = round(process.memoryUsage().rss / 2 ** 20);
  const upstream = (path: string, method = 'GET') => fetch(`${upstreamUrl}${path}`, { method }).then((r) => r.json() as Promise<any>);

  const credential = await expect(201, 'POST', '/credentials', { name: 'bench upstream', type: 'bearer-token', secret: { token: TOKEN }, allowed_hosts: ['127.0.0.1'] });
  const createIntegration = (name: string, dataset: string, pageSize: number) =>
    expect(201, 'POST', '/integrations', {
      name,
      provider: 'http-json',
      credential_id: credential.id,
      // Once a year (Jan 1st): the Schedule exists as for any integration but never fires during the bench.
      schedule: { kind: 'cron', cron: '0 0 1 1 *', timezone: 'UTC' },
      config: { url: `${upstreamUrl}/ds/${dataset}`, items_path: 'data', modified_field: 'updated_at', pagination: { type: 'page', page_size: pageSize }, since: { param: 'since', format: 'iso' } },
    }) as Promise<{ id: number }>;
  const startSync = async (integrationId: number, fullResync = false) => {
    const body = await expect(202, 'POST', `/integrations/${integrationId}/sync`, { full_resync: fullResync });
    return { runId: body.run.id as number, workflowId: body.workflow_id as string };
  };
  const finish = async (started: { runId: number; workflowId: string }) => {
    // A failed run fails its workflow too: its row says why, and is what gets reported.
    await client.workflow.getHandle(started.workflowId).result().catch(() => undefined);
    return db.selectFrom('integration_runs').select(['id', 'status', 'pages', 'fetched', 'inserted', 'updated', 'error']).where('id', '=', started.runId).executeTakeFirstOrThrow();
  };
  /** One run through the API to its end, with its figures. */
  const syncRun = async (phase: string, pageSize: number, integrationId: number, fullResync = false) => {
    const m = await measured(async () => {
      const started = await startSync(integrationId, fullResync);
      return { started, run: await finish(started) };
    });
    const { run, started } = m.value;
    if (run.status !== 'succeeded') console.error(`${phase}: run ${run.id} ${run.status}: ${run.error}`);
    const h = await historyFigures(client, started.workflowId);
    return {
      phase, pageSize, status: run.status, seconds: round(m.seconds, 2), pages: run.pages, fetched: run.fetched, inserted: run.inserted, updated: run.updated,
      recordsPerS: round(run.fetched / m.seconds), pagesPerS: round(run.pages / m.seconds, 1), peakRssMb: m.peakRssMb, cpuPercent: m.cpuPercent, ...h,
    };
  };

  const rows: Awaited<ReturnType<typeof syncRun>>[] = [];
  let concurrent: Record<string, unknown> | null = null;
  try {
    for (const pageSize of knobs.pageSizes) {
      const dataset = `full-${pageSize}/${knobs.records}`;
      const integration = await createIntegration(`bench full import, pages of ${pageSize}`, dataset, pageSize);
      rows.push(await syncRun('full import', pageSize, integration.id));
      const change = Math.round((knobs.records * knobs.changePercent) / 100);
      await upstream(`/ds/${dataset}/change?count=${change}`, 'POST');
      rows.push(await syncRun(`incremental (${knobs.changePercent}% changed)`, pageSize, integration.id));
      rows.push(await syncRun('incremental (nothing changed)', pageSize, integration.id));
      // Every record fetched again, none changed: the cost of the upsert's unchanged path.
      rows.push(await syncRun('full resync (nothing changed)', pageSize, integration.id, true));
    }
    if (knobs.concurrent > 0) concurrent = await concurrentSyncs();
  } finally {
    await api.close();
  }

  async function concurrentSyncs(): Promise<Record<string, unknown>> {
    const integrations = await Promise.all(Array.from({ length: knobs.concurrent }, (_, i) => createIntegration(`bench concurrent ${i}`, `concurrent-${i}/${knobs.concurrentRecords}`, 500)));
    const m = await measured(async () => {
      const started = await Promise.all(integrations.map((i) => startSync(i.id)));
      // A second sync now while each runs: the one-running lock answers 409.
      const again = await Promise.all(integrations.map((i) => call('POST', `/integrations/${i.id}/sync`, { full_resync: false })));
      return { runs: await Promise.all(started.map(finish)), again: again.map((r) => r.status) };
    });
    // Two runs of one integration whose [started_at, finished_at] intersect (over every run of the bench).
    const overlaps = await db
      .selectFrom('integration_runs as a')
      .innerJoin('integration_runs as b', (j) => j.onRef('a.integration_id', '=', 'b.integration_id').onRef('a.id', '<', 'b.id'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.and([eb('a.started_at', '<', eb.ref('b.finished_at')), eb('b.started_at', '<', eb.ref('a.finished_at'))]))
      .executeTakeFirstOrThrow();
    const statuses: Record<string, number> = {};
    for (const run of m.value.runs) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
    const conflicts = m.value.again.filter((s) => s === 409).length;
    return {
      integrations: knobs.concurrent, recordsEach: knobs.concurrentRecords, seconds: round(m.seconds, 2), statuses,
      fetched: m.value.runs.reduce((n, r) => n + r.fetched, 0), recordsPerS: round(m.value.runs.reduce((n, r) => n + r.fetched, 0) / m.seconds),
      secondSyncRejected409: conflicts, secondSyncOther: m.value.again.filter((s) => s !== 409), overlappingRuns: Number(overlaps.n),
      peakRssMb: m.peakRssMb, cpuPercent: m.cpuPercent,
    };
  }

  const stats = await upstream('/__stats');
  console.table(
    rows.map((r) => ({
      phase: r.phase, size: r.pageSize, status: r.status, s: r.seconds, pages: r.pages, fetched: r.fetched, ins: r.inserted, upd: r.updated, 'rec/s': r.recordsPerS, 'pages/s': r.pagesPerS,
      'page p50': r.pageMs.p50, 'page p99': r.pageMs.p99, 'gap p50': r.betweenPagesMs.p50, 'rss MB': r.peakRssMb, 'cpu%': r.cpuPercent, execs: r.executions, 'max hist': r.largestHistory,
    })),
  );
  const report = { records: knobs.records, rssBeforeMb, runs: rows, concurrent, upstream: stats, processMaxRssMb: round(process.resourceUsage().maxRSS / 1024) };
  console.log(JSON.stringify(report, null, 2));
  return report;
}
