/** A stack as `npm start` builds it (dev server on a SQLite file, PGlite or PostgreSQL, worker, API), and publishing into it. */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { sql } from 'kysely';
import pg from 'pg';
import { startApiServer } from '../../api/start-api';
import { startFakeProvider, type FakeProvider } from '../../fake-provider/fake-provider';
import { SecretBox } from '../../lib/crypto/secret-box';
import { loadConfig, requireSetting, type Config } from '../../lib/config';
import { createDb, type Db } from '../../lib/db/connect';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres, type EmbeddedPostgres } from '../../lib/db/embedded';
import { runMigrations } from '../../lib/db/migrate';
import { insertEndpoint } from '../../lib/db/webhook-endpoint.repository';
import { createLogger, type Logger } from '../../lib/logger';
import { connectTemporal } from '../../lib/temporal/connect';
import { webhookOptionsFromConfig } from '../../lib/temporal/webhook-workflows';
import { createEventPublisher } from '../../lib/webhooks/publisher';
import { generateSecret } from '../../lib/webhooks/signing';
import { startWorker } from '../../worker/start-worker';
import { startTemporalDevServer, type TemporalDevServer } from '../temporal-dev-server';
import { ADMIN_KEY, EVENT_TYPE, type DatabaseKind, type Report, type WebhookBenchKnobs } from './knobs';
import { pidsWith, spawnScript } from './processes';
import type { Receiver } from './receiver';

export interface Shared {
  knobs: WebhookBenchKnobs;
  logger: Logger;
  cliPath: string;
  bundle: WorkflowBundle;
  receiver: Receiver;
  encryptionKey: string;
}

export interface Stack {
  kind: DatabaseKind;
  db: Db;
  dbUrl: string;
  dataDir: string;
  config: Config;
  client: Client;
  temporal: TemporalDevServer;
  /** Lines the dev server logged about deadlines exceeded (it is saturated when it does). */
  deadlineWarnings: () => number;
  apiUrl: string | null;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** PGlite only: close it (its process lock too) so another process can open the data dir, and open it again. */
  releaseDatabase(): Promise<void>;
  reopenDatabase(): Promise<void>;
  /** Processes whose CPU time is measured: the dev server, the receiver, PostgreSQL's backends for this database. */
  cpuGroups(): Promise<Record<string, number[]>>;
  close(): Promise<void>;
}

export async function startStack(shared: Shared, kind: DatabaseKind, options: { worker: boolean; api: boolean; env?: Record<string, string> }): Promise<Stack> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'relay-bench-'));
  let deadlineWarnings = 0;
  const temporal = await startTemporalDevServer({
    cliPath: shared.cliPath,
    dataDir: path.join(dataDir, 'temporal'),
    port: 0,
    uiPort: 0,
    log: (line) => {
      if (/deadline exceeded/i.test(line)) deadlineWarnings++;
    },
  });
  const dbFile = path.join(dataDir, 'temporal', 'temporal.sqlite');

  let embedded: EmbeddedPostgres | undefined;
  let dbUrl: string;
  let poolMax: number;
  let dropDatabase = async () => {};
  if (kind === 'pglite') {
    embedded = await startEmbeddedPostgres(dataDir);
    dbUrl = embedded.url;
    poolMax = EMBEDDED_POOL_MAX;
  } else {
    const name = `relay_bench_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: shared.knobs.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(shared.knobs.adminUrl);
    url.pathname = `/${name}`;
    dbUrl = url.toString();
    poolMax = 10;
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: dbUrl,
    DB_POOL_MAX: String(poolMax),
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporal.address,
    ENCRYPTION_KEY: shared.encryptionKey,
    ADMIN_API_KEY: ADMIN_KEY,
    API_PORT: '0',
    // The load generator is one API key publishing hundreds of events a second: the per-key limit (1,200/min) is off.
    RATE_LIMIT_PER_MINUTE: '0',
    WEBHOOK_ALLOWLIST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...options.env,
  });
  const logger = createLogger(config.LOG_LEVEL);
  let db = createDb(dbUrl, { max: poolMax });
  await runMigrations(db);
  const temporalClient = await connectTemporal(config);

  let worker: { close(): Promise<void> } | null = null;
  let api: { url: string; close(): Promise<void> } | null = null;
  // As `npm start`: the in-process fake SMS provider, so the worker serves every queue.
  const provider: FakeProvider = await startFakeProvider({ host: '127.0.0.1', port: 0, token: 'bench-provider-token-0123456789', knobs: { latencyMs: 20 } });
  config.PROVIDER_URL = provider.url;
  config.PROVIDER_TOKEN = 'bench-provider-token-0123456789';
  const stack: Stack = {
    kind,
    get db() {
      return db;
    },
    dbUrl,
    dataDir,
    config,
    client: temporalClient.client,
    temporal,
    deadlineWarnings: () => deadlineWarnings,
    apiUrl: null,
    async startWorker() {
      worker ??= await startWorker({ config, db, logger, workflowBundle: shared.bundle });
    },
    async stopWorker() {
      await worker?.close();
      worker = null;
    },
    async releaseDatabase() {
      await db.destroy();
      await embedded?.close();
    },
    async reopenDatabase() {
      if (kind !== 'pglite') throw new Error('only PGlite is reopened');
      embedded = await startEmbeddedPostgres(dataDir);
      db = createDb(embedded.url, { max: EMBEDDED_POOL_MAX });
    },
    async cpuGroups() {
      const groups: Record<string, number[]> = { temporalServer: pidsWith(dbFile), receiver: [shared.receiver.pid] };
      if (kind === 'postgres') {
        const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
        groups.postgresBackends = rows.map((r) => Number(r.pid));
      }
      return groups;
    },
    async close() {
      await api?.close().catch(() => {});
      await stack.stopWorker().catch(() => {});
      await provider.close().catch(() => {});
      await temporalClient.close().catch(() => {});
      await db.destroy().catch(() => {});
      await embedded?.close().catch(() => {});
      await dropDatabase().catch(() => {});
      await temporal.close().catch(() => {});
      await fs.rm(dataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
  if (options.worker) await stack.startWorker();
  if (options.api) {
    api = await startApiServer({ config, db, logger });
    stack.apiUrl = api.url;
  }
  return stack;
}

export async function createEndpoints(stack: Stack, receiver: Receiver, paths: string[]): Promise<number[]> {
  const box = new SecretBox(requireSetting(stack.config, 'ENCRYPTION_KEY'));
  const ids: number[] = [];
  for (const p of paths) {
    const row = await insertEndpoint(
      stack.db,
      { url: `${receiver.url}${p}`, description: `bench ${p}`, event_types: [], sealed_headers: {}, timeout_ms: 10_000, rate_limit_per_s: null, ordering: 'none', enabled: true },
      box.seal(generateSecret()),
    );
    ids.push(row.id);
  }
  return ids;
}

export function publisherOf(stack: Stack, logger: Logger) {
  return createEventPublisher({ db: stack.db, client: stack.client, options: webhookOptionsFromConfig(stack.config), logger });
}

/** Publishes `deliveries` deliveries' worth of events through the publisher from `loops` loops; returns the events' ids. */
export async function publishBurst(stack: Stack, logger: Logger, deliveries: number, perEvent: number, loops = 8): Promise<number[]> {
  const publisher = publisherOf(stack, logger);
  const events = Math.ceil(deliveries / perEvent);
  const ids: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (let i = next++; i < events; i = next++) ids.push((await publisher.publish({ type: EVENT_TYPE, payload: { i }, source: 'api' })).event.id);
    }),
  );
  return ids;
}

/** Publishes through the HTTP API from its own process; resolves with its summary. */
export async function publishThroughApi(stack: Stack, rate: number, seconds: number): Promise<{ promise: Promise<Report>; child: ChildProcess }> {
  const s = await spawnScript(
    'scripts/bench-publisher.ts',
    { BENCH_PUBLISH_URL: stack.apiUrl!, BENCH_PUBLISH_KEY: ADMIN_KEY, BENCH_PUBLISH_TYPE: EVENT_TYPE, BENCH_PUBLISH_RATE: String(rate), BENCH_PUBLISH_SECONDS: String(seconds) },
    false,
  );
  const promise = s.exited.then((code) => {
    const summary = s.lines.find((l) => 'sent' in l);
    if (code !== 0 || !summary) throw new Error(`bench-publisher exited (${code}) without a summary`);
    return summary;
  });
  return { promise, child: s.child };
}
