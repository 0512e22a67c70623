/**
 * npm run bench: BENCH=mailing|webhooks|all (default all) on one real Temporal dev server and a fresh PostgreSQL database.
 * - mailing: one mailing to N clients spread over every IANA timezone, against the fake provider (20 ms latency).
 *   Prints messages/s and the largest history length of any run.
 *   BENCH_CLIENTS (default 100000), BENCH_LATENCY_MS (20)
 * - webhooks: event fan-out to local endpoints (scripts/bench-webhooks.ts; BENCH_EVENTS, BENCH_ENDPOINTS, BENCH_RECEIVER_LATENCY_MS).
 * - integrations: full import, incremental runs and concurrent syncs from a local JSON API through the API and the sync
 *   workflow (scripts/bench-integrations.ts; BENCH_SYNC_RECORDS, BENCH_SYNC_PAGE_SIZES, BENCH_SYNC_CONCURRENT, ...).
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../lib/config';
import { generateEncryptionKey } from '../lib/crypto/secret-box';
import { createDb, type Db } from '../lib/db/connect';
import { createMailingRow } from '../test/support/fixtures';
import { runMigrations } from '../lib/db/migrate';
import { createLogger } from '../lib/logger';
import { sendSettingsFromConfig } from '../lib/send-settings';
import { startMailingWorkflow } from '../lib/temporal/mailing-workflows';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/temporal/search-attributes';
import { startWorker } from '../worker/start-worker';
import { integrationBenchKnobs, runIntegrationBench } from './bench-integrations';
import { runWebhookBench, webhookBenchKnobs } from './bench-webhooks';
import { resolveTemporalCli } from './temporal-binaries';

const N = Number(process.env.BENCH_CLIENTS ?? 100_000);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCHES = ['mailing', 'webhooks', 'integrations', 'all'] as const;
const BENCH = process.env.BENCH || 'all';

interface Service {
  url: string;
  close(): Promise<void>;
}

/** A helper server in its own process (so it does not share the worker's CPU); it prints its URL as `"url":"..."`. */
async function spawnService(script: string, env: Record<string, string>): Promise<Service> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = line.match(/"url":"([^"]+)"/);
      if (match) resolve(match[1]);
    });
  });
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The mailing bench: seeds N clients, runs one mailing to the end and prints its figures. */
async function benchMailing(db: Db, client: Client, config: Config, provider: Service): Promise<void> {
  const zones = Intl.supportedValuesOf('timeZone');
  const seeded = Date.now();
  await sql`
    INSERT INTO clients (phone, operator_code, tag, timezone)
    SELECT '79' || lpad(i::text, 9, '0'), '9' || lpad((i % 100)::text, 2, '0'), 'bench', (${zones}::text[])[1 + i % ${zones.length}]
    FROM generate_series(1, ${N}) AS i`.execute(db);
  console.log(`seeded ${N} clients over ${zones.length} timezones in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

  const now = Date.now();
  const mailing = await createMailingRow(db, { text: 'Benchmark', startsAt: new Date(now - 1000), endsAt: new Date(now + 3_600_000) });
  const started = Date.now();
  await startMailingWorkflow(client, mailing, { taskQueue: 'bench', settings: sendSettingsFromConfig(config), searchAttributes: true });
  const result = await client.workflow.getHandle(`mailing-${mailing.id}`).result();
  const seconds = (Date.now() - started) / 1000;

  let runs = 0;
  let largest = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = 'mailing-${mailing.id}'` })) {
    runs++;
    largest = Math.max(largest, run.historyLength);
  }
  const p = (await (await fetch(`${provider.url}/__stats`)).json()) as { requests: number; duplicateRequests: number };
  console.log(JSON.stringify({ clients: N, latencyMs: LATENCY, counts: result.counts, seconds: Number(seconds.toFixed(1)), messagesPerSecond: Math.round(result.counts.sent / seconds), runs, largestHistoryLength: largest, providerRequests: p.requests, providerDuplicates: p.duplicateRequests, settings: sendSettingsFromConfig(config) }, null, 2));
}

async function main(): Promise<void> {
  if (!(BENCHES as readonly string[]).includes(BENCH)) throw new Error(`BENCH must be one of ${BENCHES.join(', ')} (got '${BENCH}')`);
  const runs = (name: string) => BENCH === 'all' || BENCH === name;
  const knobs = webhookBenchKnobs();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dbName = `relay_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const db = createDb(url.toString(), { max: 20 });
  const services: Service[] = [];
  let env: TestWorkflowEnvironment | undefined;
  let worker: { close(): Promise<void> } | undefined;
  try {
    const provider = await spawnService('fake-provider.ts', {
      FAKE_PROVIDER_PORT: '0',
      FAKE_PROVIDER_HOST: '127.0.0.1',
      FAKE_PROVIDER_TOKEN: 'bench-token-0123456789',
      FAKE_PROVIDER_LATENCY_MS: String(LATENCY),
    });
    services.push(provider);
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: await resolveTemporalCli() }, searchAttributes: SEARCH_ATTRIBUTE_KEYS, ip: '127.0.0.1' },
    });
    const config = loadConfig({
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'bench',
      WEBHOOK_TASK_QUEUE: 'bench-webhooks',
      // The worker opens endpoint secrets with this key; the webhook bench seals them with it.
      ENCRYPTION_KEY: generateEncryptionKey(),
      WEBHOOK_ALLOWLIST: '127.0.0.1',
      PROVIDER_URL: provider.url,
      PROVIDER_TOKEN: 'bench-token-0123456789',
      LOG_LEVEL: 'warn',
    });
    const logger = createLogger('warn');
    await runMigrations(db);
    worker = await startWorker({ config, db, logger, skipSchedules: true });
    if (runs('mailing')) await benchMailing(db, env.client, config, provider);
    if (runs('webhooks')) {
      const receiver = await spawnService('bench-receiver.ts', { BENCH_RECEIVER_LATENCY_MS: String(knobs.receiverLatencyMs) });
      services.push(receiver);
      await runWebhookBench({ db, client: env.client, config, logger, receiverUrl: receiver.url, knobs });
    }
    if (runs('integrations')) {
      const upstream = await spawnService('bench-upstream.ts', {});
      services.push(upstream);
      await runIntegrationBench({ db, client: env.client, config, logger, upstreamUrl: upstream.url, knobs: integrationBenchKnobs() });
    }
  } finally {
    await worker?.close();
    await env?.teardown();
    for (const service of services) await service.close();
    await db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
