/**
 * npm run bench: BENCH=mailing|webhooks|integrations|import|all (default all).
 * - mailing: a partly failing provider against a clean one, one mailing to BENCH_CLIENTS (100000) clients over every
 *   IANA time zone with the provider's own ceiling, and a SEND_CONCURRENCY / worker-process sweep: worker and API
 *   processes of their own (scripts/bench-mailing/; BENCH_MAILING_SCENARIOS, BENCH_LATENCY_MS (20), ...).
 * - integrations: full import, incremental runs and concurrent syncs from a local JSON API through the API and the sync
 *   workflow (scripts/bench-integrations.ts; BENCH_SYNC_RECORDS, BENCH_SYNC_PAGE_SIZES, BENCH_SYNC_CONCURRENT, ...),
 *   on one in-memory Temporal dev server, one fresh PostgreSQL database and one worker.
 * - webhooks: the dispatchers' scenarios (saturation, latency, temporal, dead, crash), each on a stack of its own built
 *   as `npm start` builds it (dev server on a SQLite file, PGlite and/or PostgreSQL): scripts/bench-webhooks/
 *   (BENCH_WEBHOOK_SCENARIOS, BENCH_DATABASE=pglite|postgres|both, ...).
 * - import: a BENCH_IMPORT_ROWS (1000000) row CSV through POST /clients/import, again (all updates), then the export,
 *   with API and worker in processes of their own (scripts/bench-import.ts).
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { loadConfig } from '../lib/config';
import { generateEncryptionKey } from '../lib/crypto/secret-box';
import { createDb } from '../lib/db/connect';
import { runMigrations } from '../lib/db/migrate';
import { createLogger } from '../lib/logger';
import { SEARCH_ATTRIBUTE_KEYS } from '../lib/temporal/search-attributes';
import { startWorker } from '../worker/start-worker';
import { runImportBench } from './bench-import';
import { integrationBenchKnobs, runIntegrationBench } from './bench-integrations';
import { runMailingBench } from './bench-mailing/index';
import { runWebhookBench, webhookBenchKnobs } from './bench-webhooks/index';
import { resolveTemporalCli } from './temporal-binaries';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCHES = ['mailing', 'webhooks', 'integrations', 'import', 'all'] as const;
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

async function main(): Promise<void> {
  if (!(BENCHES as readonly string[]).includes(BENCH)) throw new Error(`BENCH must be one of ${BENCHES.join(', ')} (got '${BENCH}')`);
  const runs = (name: string) => BENCH === 'all' || BENCH === name;
  const webhookKnobs = runs('webhooks') ? webhookBenchKnobs() : undefined; // bad knobs fail before anything starts
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (runs('mailing')) await runMailingBench(ADMIN_URL);
  if (runs('integrations')) await runShared();
  if (runs('import')) await runImportBench();
  if (webhookKnobs) await runWebhookBench({ logger: createLogger('warn'), knobs: webhookKnobs });
}

/** The integration part, on one in-memory dev server, one PostgreSQL database and one worker. */
async function runShared(): Promise<void> {
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
      // The worker opens sealed secrets (integration credentials) with this key.
      ENCRYPTION_KEY: generateEncryptionKey(),
      WEBHOOK_ALLOWLIST: '127.0.0.1',
      PROVIDER_URL: provider.url,
      PROVIDER_TOKEN: 'bench-token-0123456789',
      LOG_LEVEL: 'warn',
    });
    const logger = createLogger('warn');
    await runMigrations(db);
    worker = await startWorker({ config, db, logger, skipSchedules: true });
    const upstream = await spawnService('bench-upstream.ts', {});
    services.push(upstream);
    await runIntegrationBench({ db, client: env.client, config, logger, upstreamUrl: upstream.url, knobs: integrationBenchKnobs() });
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
