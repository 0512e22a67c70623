/**
 * The mailing part of `npm run bench` (BENCH=mailing). Every mailing is created through the API, as a user does, and
 * sent by worker processes of their own to the fake SMS provider (its own process, BENCH_LATENCY_MS = 20 per answer),
 * on an in-memory Temporal dev server and a fresh PostgreSQL database (BENCH_DATABASE_URL).
 *
 * BENCH_MAILING_SCENARIOS (comma-separated, default "faulty,scale"):
 * - faulty: BENCH_FAULTY_CLIENTS (2000) clients, once with a clean provider and twice with 10% errors + 5% requests
 *   never answered (BENCH_FAULTY_ERROR_RATE, BENCH_FAULTY_TIMEOUT_RATE; the second time with SEND_RETRY_BASE_MS =
 *   BENCH_FAULTY_RETRY_BASE_MS, 500), same SEND_CONCURRENCY: the first pass (every
 *   client attempted once) and the whole run (every client sent or ended), messages/s and the share of the clean rate.
 * - scale: the fake provider's own ceiling on loopback (scripts/bench-provider-load.ts), then one mailing to
 *   BENCH_CLIENTS (100000; the figure is 1000000) clients over every IANA time zone with BENCH_WORKERS (1)
 *   worker processes: messages/s, the largest history of any execution, worker and API peak RSS, the API's read
 *   latency meanwhile (BENCH_PROBE_RPS requests/s to progress, the mailing and a clients page), table and index sizes.
 * - sweep: BENCH_SWEEP_CLIENTS (100000) clients for each "concurrency x worker processes x SEND_PARALLELISM" of
 *   BENCH_SWEEP ("50x1x1,100x1x1,200x1x1,100x1x2,100x2x2").
 * SEND_* in the environment are passed to the workers (SEND_CONCURRENCY, SEND_BATCH_SIZE, ...).
 */
import { sql } from 'kysely';
import type { Db } from '../../lib/db/connect';
import { probeApi, tableSizes, timeline, waitForPollers } from './measure';
import { BENCH_ADMIN_KEY, spawnProc, startMailingStack, type MailingStack, type Proc } from './stack';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const SCENARIOS = (process.env.BENCH_MAILING_SCENARIOS || 'faulty,scale').split(',').map((s) => s.trim());
const LATENCY = num('BENCH_LATENCY_MS', 20);
const ZONES = Intl.supportedValuesOf('timeZone');
const sendEnv = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('SEND_') && v !== undefined) as [string, string][]);

async function seedClients(db: Db, n: number): Promise<void> {
  await sql`TRUNCATE clients, mailings, messages, mailing_message_counts CASCADE`.execute(db);
  await sql`
    INSERT INTO clients (phone, operator_code, tag, timezone)
    SELECT '79' || lpad(i::text, 9, '0'), '9' || lpad((i % 100)::text, 2, '0'), 'bench', (${ZONES}::text[])[1 + i % ${ZONES.length}]
    FROM generate_series(1, ${n}) AS i`.execute(db);
  await sql`ANALYZE clients`.execute(db);
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

interface RunFigures {
  clients: number;
  seconds: number;
  messagesPerSecond: number;
  firstPassSeconds: number;
  firstPassPerSecond: number;
  counts: Record<string, number>;
  runs: number;
  largestHistory: number;
}

/**
 * Creates a mailing to every client through the API and waits for its workflow. `firstPass`: poll for the moment every client was attempted once (a count over the mailing's messages, one at a
 * time, every 250 ms): for small mailings only, it would weigh on the database of a large one.
 */
async function runMailing(s: MailingStack, apiUrl: string, clients: number, onCreated?: (id: number) => void, firstPassPoll = false): Promise<RunFigures & { id: number }> {
  const now = Date.now();
  const created = await api(apiUrl, 'POST', '/api/v1/mailings', { text: 'Benchmark', starts_at: new Date(now - 1000).toISOString(), ends_at: new Date(now + 6 * 3_600_000).toISOString() });
  if (created.status !== 201) throw new Error(`create mailing: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as number;
  onCreated?.(id);
  const started = Date.now();
  let firstPass = 0;
  let polling = firstPassPoll;
  const poll = (async () => {
    while (polling && !firstPass) {
      const { rows } = await sql<{ untouched: number; total: number }>`
        SELECT count(*) FILTER (WHERE attempts = 0 AND status = 'pending')::int AS untouched, count(*)::int AS total FROM messages WHERE mailing_id = ${id}`.execute(s.db);
      if (rows[0].total === clients && rows[0].untouched === 0) firstPass = Date.now();
      else await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const result = (await s.env.client.workflow.getHandle(`mailing-${id}`).result()) as { counts: Record<string, number> };
  const end = Date.now();
  polling = false;
  await poll;
  let runs = 0;
  let largestHistory = 0;
  for await (const run of s.env.client.workflow.list({ query: `WorkflowId = 'mailing-${id}'` })) {
    runs++;
    largestHistory = Math.max(largestHistory, run.historyLength);
  }
  const seconds = (end - started) / 1000;
  const firstPassSeconds = ((firstPass || end) - started) / 1000;
  const settled = result.counts.sent + result.counts.failed + (result.counts.unknown ?? 0);
  return {
    id,
    clients,
    seconds: Number(seconds.toFixed(2)),
    messagesPerSecond: Math.round(settled / seconds),
    firstPassSeconds: Number(firstPassSeconds.toFixed(2)),
    firstPassPerSecond: Math.round(clients / firstPassSeconds),
    counts: result.counts,
    runs,
    largestHistory,
  };
}

/**
 * Runs `work` with `count` worker processes and an API process of its own, all with `env`: the sending settings
 * (SEND_*) of a mailing are the API's, which starts its workflow, and the workers'.
 */
async function withWorkers<T>(s: MailingStack, count: number, env: Record<string, string>, work: (workers: Proc[], api: Proc & { url: string }) => Promise<T>): Promise<T> {
  const [api, workers] = await Promise.all([s.startApi(env), s.startWorkers(count, env)]);
  await waitForPollers(s, workers); // every worker polling before the mailing starts
  try {
    return await work(workers, api);
  } finally {
    for (const w of workers) await w.stop();
    await api.stop();
  }
}

async function configureProvider(s: MailingStack, knobs: Record<string, unknown>): Promise<void> {
  await fetch(`${s.provider.url}/__reset`, { method: 'POST' });
  const res = await fetch(`${s.provider.url}/__control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(knobs) });
  if (!res.ok) throw new Error(`provider control: ${res.status} ${await res.text()}`);
}

async function faulty(s: MailingStack): Promise<unknown> {
  const n = num('BENCH_FAULTY_CLIENTS', 2000);
  const out: Record<string, RunFigures> = {};
  const faults = { errorRate: num('BENCH_FAULTY_ERROR_RATE', 0.1), timeoutRate: num('BENCH_FAULTY_TIMEOUT_RATE', 0.05) };
  const shortRetry = { SEND_RETRY_BASE_MS: String(num('BENCH_FAULTY_RETRY_BASE_MS', 500)) };
  for (const [name, knobs, env] of [
    ['clean', { errorRate: 0, timeoutRate: 0 }, {}],
    ['faulty', faults, {}],
    ['faultyShortRetry', faults, shortRetry],
  ] as const) {
    await seedClients(s.db, n);
    await configureProvider(s, { latencyMs: LATENCY, ...knobs });
    const { id, ...figures } = await withWorkers(s, 1, { ...sendEnv(), ...env }, (_workers, api) => runMailing(s, api.url, n, undefined, true));
    out[name] = figures;
    if (process.env.BENCH_TIMELINE) console.error(`${name} timeline:\n  ${(await timeline(s, id)).join('\n  ')}`);
  }
  return {
    scenario: 'faulty',
    latencyMs: LATENCY,
    ...out,
    faultyShareOfClean: {
      firstPass: Number((out.faulty.firstPassPerSecond / out.clean.firstPassPerSecond).toFixed(2)),
      whole: Number((out.faulty.messagesPerSecond / out.clean.messagesPerSecond).toFixed(2)),
      wholeWithShortRetry: Number((out.faultyShortRetry.messagesPerSecond / out.clean.messagesPerSecond).toFixed(2)),
    },
  };
}

async function providerCeiling(s: MailingStack): Promise<unknown> {
  await configureProvider(s, { latencyMs: LATENCY, errorRate: 0, timeoutRate: 0 });
  const concurrency = num('BENCH_CEILING_CONCURRENCY', 400);
  const load = await spawnProc('scripts/bench-provider-load.ts', { BENCH_LOAD_URL: s.provider.url!, BENCH_LOAD_TOKEN: 'bench-token-0123456789', BENCH_LOAD_CONCURRENCY: String(concurrency), BENCH_LOAD_SECONDS: '8' }, false);
  const line = await new Promise<string>((resolve) => {
    let last = '';
    load.child.stdout!.on('data', (d: Buffer) => (last += d.toString()));
    load.child.once('exit', () => resolve(last.trim()));
  });
  await fetch(`${s.provider.url}/__reset`, { method: 'POST' });
  return JSON.parse(line.split('\n').at(-1) ?? '{}');
}

async function scale(s: MailingStack): Promise<unknown> {
  const ceiling = (await providerCeiling(s)) as { requestsPerSecond: number };
  const n = num('BENCH_CLIENTS', 100_000);
  const workers = num('BENCH_WORKERS', 1);
  const seeded = Date.now();
  await seedClients(s.db, n);
  const seedSeconds = (Date.now() - seeded) / 1000;
  await configureProvider(s, { latencyMs: LATENCY, errorRate: 0, timeoutRate: 0 });
  let apiPeakRssMb = 0;
  const figures = await withWorkers(s, workers, sendEnv(), async (procs, api) => {
    const cpu0 = procs.map((p) => p.cpuSeconds());
    const providerCpu0 = s.provider.cpuSeconds();
    let probe: ReturnType<typeof probeApi> | null = null;
    const run = await runMailing(s, api.url, n, (id) => (probe = probeApi(api.url, id, num('BENCH_PROBE_RPS', 10))));
    const reads = probe ? await (probe as ReturnType<typeof probeApi>).stop() : null;
    apiPeakRssMb = api.peakRssMb();
    return {
      ...run,
      workerPeakRssMb: procs.map((p) => p.peakRssMb()),
      workerCpuSeconds: procs.map((p, i) => Number((p.cpuSeconds() - cpu0[i]).toFixed(1))),
      providerCpuSeconds: Number((s.provider.cpuSeconds() - providerCpu0).toFixed(1)),
      apiReadsDuringMs: reads,
    };
  });
  return {
    scenario: 'scale',
    latencyMs: LATENCY,
    workers,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    providerCeiling: ceiling,
    ...figures,
    shareOfProviderCeiling: Number((figures.messagesPerSecond / ceiling.requestsPerSecond).toFixed(2)),
    apiPeakRssMb,
    sizes: await tableSizes(s.db),
    send: sendEnv(),
  };
}

async function sweep(s: MailingStack): Promise<unknown> {
  const n = num('BENCH_SWEEP_CLIENTS', 100_000);
  // concurrency x worker processes x SEND_PARALLELISM
  const plan = (process.env.BENCH_SWEEP || '50x1x1,100x1x1,200x1x1,100x1x2,100x2x2').split(',').map((r) => r.split('x').map(Number));
  const rows: unknown[] = [];
  for (const [concurrency, workers, parallelism] of plan) {
    await seedClients(s.db, n);
    await configureProvider(s, { latencyMs: LATENCY, errorRate: 0, timeoutRate: 0 });
    const env = { ...sendEnv(), SEND_CONCURRENCY: String(concurrency), SEND_PARALLELISM: String(parallelism) };
    const run = await withWorkers(s, workers, env, async (procs, api) => {
      const cpu0 = procs.map((p) => p.cpuSeconds());
      const figures = await runMailing(s, api.url, n);
      return { ...figures, workerPeakRssMb: procs.map((p) => p.peakRssMb()), workerCpuSeconds: procs.map((p, i) => Number((p.cpuSeconds() - cpu0[i]).toFixed(1))) };
    });
    rows.push({ concurrency, workers, parallelism, messagesPerSecond: run.messagesPerSecond, seconds: run.seconds, largestHistory: run.largestHistory, workerPeakRssMb: run.workerPeakRssMb, workerCpuSeconds: run.workerCpuSeconds });
    console.error(`mailing bench: sweep concurrency ${concurrency} x ${workers} worker(s) x parallelism ${parallelism}: ${run.messagesPerSecond} msg/s`);
  }
  return { scenario: 'sweep', clients: n, latencyMs: LATENCY, rows };
}

export async function runMailingBench(adminUrl: string): Promise<void> {
  const s = await startMailingStack(adminUrl, LATENCY);
  try {
    for (const scenario of SCENARIOS) {
      console.error(`mailing bench: ${scenario}...`);
      const report = scenario === 'faulty' ? await faulty(s) : scenario === 'scale' ? await scale(s) : scenario === 'sweep' ? await sweep(s) : null;
      if (report === null) throw new Error(`BENCH_MAILING_SCENARIOS: unknown '${scenario}' (faulty, scale, sweep)`);
      console.log(JSON.stringify(report, null, 2));
    }
  } finally {
    await s.close();
  }
}
