/**
 * `npm start`: the whole system in one process, with nothing to install or configure first.
 *
 * - DATABASE_URL unset  -> embedded PostgreSQL (PGlite) in ${DATA_DIR}/pglite, ONE pool of max 1 shared by all
 *                          (see lib/db/embedded.ts); set -> that database with DB_POOL_MAX connections.
 * - TEMPORAL_ADDRESS unset in the environment -> `temporal server start-dev` with SQLite in ${DATA_DIR}/temporal,
 *                          UI on :8233 (CLI from TEMPORAL_CLI / PATH / .venv / pip, see scripts/temporal-binaries.ts;
 *                          TEMPORAL_DEV_PORT / TEMPORAL_DEV_UI_PORT move it, 0 = any free port).
 * - PROVIDER_URL unset  -> the in-process fake SMS provider (20 ms latency) with a generated token.
 * - ADMIN_API_KEY unset -> a dev key created once in ${DATA_DIR}/admin-api-key.
 * Then migrations, the Temporal worker and the HTTP API. Ctrl-C / SIGTERM stops everything in order
 * (API, worker, fake provider, DB, Temporal); a second Ctrl-C exits at once.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, devWebhookAllowlist, loadConfigForBoot, type Config } from '../lib/config';
import { createDb, type Db } from '../lib/db/connect';
import { EMBEDDED_POOL_MAX, startEmbeddedPostgres } from '../lib/db/embedded';
import { runMigrations } from '../lib/db/migrate';
import { createLogger, type Logger } from '../lib/logger';
import { installTemporalRuntime } from '../worker/runtime';
import { startFakeProvider } from '../fake-provider/fake-provider';
import { startApiServer } from '../api/start-api';
import { startWorker } from '../worker/start-worker';
import { generateEncryptionKey } from '../lib/crypto/secret-box';
import { resolveTemporalCli } from './temporal-binaries';
import { startTemporalDevServer } from './temporal-dev-server';

const FAKE_PROVIDER_LATENCY_MS = 20;

interface Closable {
  close(): Promise<void>;
}

class StopRequested extends Error {}

/** Optional ports for the dev server (start.ts only, not part of Config): 0 = any free port; unset = 7233 / 8233. */
function devPort(variable: string): number | undefined {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError([{ variable, message: 'must be a port number (0 = any free port)' }]);
  }
  return port;
}

/** Reads the dev admin key from `file`, creating it (random, 0600) on first use. */
/** A secret kept under the data directory: read when there, created (mode 600) when not. */
async function devSecret(file: string, valid: (value: string) => boolean, create: () => string): Promise<{ key: string; created: boolean }> {
  try {
    const key = (await fs.readFile(file, 'utf8')).trim();
    if (valid(key)) return { key, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = create();
  await fs.writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}

const devAdminKey = (file: string) => devSecret(file, (k) => k.length >= 16, () => `relay-dev-${randomBytes(24).toString('base64url')}`);
const devEncryptionKey = (file: string) => devSecret(file, (k) => Buffer.from(k, 'base64').length === 32, generateEncryptionKey);

function main(config: Config): void {
  // The Temporal Runtime would otherwise shut the worker down on the first SIGINT/SIGTERM by itself, before the API
  // has stopped taking requests; shutdown() below does it in order instead. Must run before any worker exists.
  const logger: Logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(logger, { handleSignals: false });
  const log = logger.child({ component: 'start' });
  const dataDir = path.resolve(config.DATA_DIR);

  const running: {
    api?: Closable;
    worker?: Closable;
    provider?: Closable;
    db?: Db;
    embedded?: Closable;
    temporal?: Closable;
  } = {};
  let stopRequested = false;
  const checkpoint = () => {
    if (stopRequested) throw new StopRequested();
  };

  const startup = (async () => {
    await fs.mkdir(dataDir, { recursive: true });
    const effective: Config = { ...config };

    // 1. Database
    let dbLabel: string;
    if (config.DATABASE_URL) {
      running.db = createDb(config.DATABASE_URL, { max: config.DB_POOL_MAX });
      dbLabel = `PostgreSQL from DATABASE_URL (pool max ${config.DB_POOL_MAX})`;
    } else {
      const pgLog = logger.child({ component: 'embedded-postgres' });
      const embedded = await startEmbeddedPostgres(dataDir, (line) => pgLog.info(line));
      running.embedded = embedded;
      checkpoint();
      running.db = createDb(embedded.url, { max: EMBEDDED_POOL_MAX });
      effective.DATABASE_URL = embedded.url;
      effective.DB_POOL_MAX = EMBEDDED_POOL_MAX;
      dbLabel = `embedded PGlite in ${path.join(dataDir, 'pglite')} (set DATABASE_URL to use a real PostgreSQL)`;
    }
    const applied = await runMigrations(running.db);
    log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'database schema up to date');
    checkpoint();

    // 2. Temporal (the config default 127.0.0.1:7233 does not count: only an explicit TEMPORAL_ADDRESS does)
    let temporalLabel: string;
    if (process.env.TEMPORAL_ADDRESS) {
      temporalLabel = `${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`;
    } else {
      const cliPath = await resolveTemporalCli();
      checkpoint();
      const serverLog = logger.child({ component: 'temporal-server' });
      const temporalDir = path.join(dataDir, 'temporal');
      const server = await startTemporalDevServer({
        cliPath,
        dataDir: temporalDir,
        port: devPort('TEMPORAL_DEV_PORT'),
        uiPort: devPort('TEMPORAL_DEV_UI_PORT'),
        namespace: config.TEMPORAL_NAMESPACE,
        log: (line) => serverLog.info(line),
      });
      running.temporal = server;
      checkpoint();
      effective.TEMPORAL_ADDRESS = server.address;
      effective.TEMPORAL_UI_URL = config.TEMPORAL_UI_URL ?? server.uiUrl;
      temporalLabel = `${server.address} (dev server, history in ${temporalDir})`;
    }

    // 3. SMS provider
    let providerLabel: string;
    if (config.PROVIDER_URL) {
      providerLabel = `${config.PROVIDER_URL} (PROVIDER_URL)`;
    } else {
      const token = randomBytes(24).toString('base64url');
      const provider = await startFakeProvider({
        host: '127.0.0.1',
        port: 0,
        token,
        knobs: { latencyMs: FAKE_PROVIDER_LATENCY_MS },
      });
      running.provider = provider;
      checkpoint();
      effective.PROVIDER_URL = provider.url;
      effective.PROVIDER_TOKEN = token;
      providerLabel = `${provider.url} (in-process fake, ${FAKE_PROVIDER_LATENCY_MS} ms latency; set PROVIDER_URL for a real one)`;
    }

    // 4. Bootstrap admin key
    let adminKeyLabel: string;
    if (config.ADMIN_API_KEY) {
      effective.ADMIN_API_KEY = config.ADMIN_API_KEY;
      adminKeyLabel = 'from ADMIN_API_KEY';
    } else {
      const keyFile = path.join(dataDir, 'admin-api-key');
      const { key, created } = await devAdminKey(keyFile);
      effective.ADMIN_API_KEY = key;
      adminKeyLabel = `${created ? 'created' : 'read'} ${keyFile}`;
    }

    // 5. Encryption key for secrets at rest (webhook signing secrets), and webhooks to this machine allowed
    if (!config.ENCRYPTION_KEY) {
      const keyFile = path.join(dataDir, 'encryption-key');
      effective.ENCRYPTION_KEY = (await devEncryptionKey(keyFile)).key;
    }
    // This machine when unset; WEBHOOK_ALLOWLIST='' means no exception at all, even here.
    effective.WEBHOOK_ALLOWLIST = devWebhookAllowlist(config);

    // 6. Worker, then API
    running.worker = await startWorker({ config: effective, db: running.db, logger: logger.child({ component: 'worker' }) });
    checkpoint();
    const api = await startApiServer({ config: effective, db: running.db, logger: logger.child({ component: 'api' }) });
    running.api = api;
    checkpoint();

    const lines = [
      '',
      'Relay is running. Ctrl-C to stop.',
      '',
      `  Console        ${api.url}/console/   (sign in with the admin API key below${effective.OIDC_ISSUER_URL ? ' or through OIDC' : ''})`,
      '',
      `  API            ${api.url}`,
      `  API docs       ${api.url}/docs`,
      `  OpenAPI        ${api.url}/openapi.json`,
      `  Temporal UI    ${effective.TEMPORAL_UI_URL ?? '(unknown: set TEMPORAL_UI_URL)'}`,
      `  Temporal       ${temporalLabel}, namespace ${effective.TEMPORAL_NAMESPACE}, task queue ${effective.TEMPORAL_TASK_QUEUE}`,
      `  Database       ${dbLabel}`,
      `  SMS provider   ${providerLabel}`,
      `  Data dir       ${dataDir}`,
      '',
      `  Admin API key (${adminKeyLabel}); send it as a header:`,
      `    Authorization: Bearer ${effective.ADMIN_API_KEY}`,
      `    (or X-API-Key: ${effective.ADMIN_API_KEY})`,
      `  e.g. curl -H 'Authorization: Bearer ${effective.ADMIN_API_KEY}' ${api.url}/openapi.json`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  })();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      await startup.catch(() => undefined); // let the step in flight finish; nothing new starts after it
      const steps: [string, (() => Promise<void>) | undefined][] = [
        ['api', running.api && (() => running.api!.close())],
        ['worker', running.worker && (() => running.worker!.close())],
        ['fake provider', running.provider && (() => running.provider!.close())],
        ['database pool', running.db && (() => running.db!.destroy())],
        ['embedded postgres', running.embedded && (() => running.embedded!.close())],
        ['temporal dev server', running.temporal && (() => running.temporal!.close())],
      ];
      for (const [name, close] of steps) {
        if (!close) continue;
        try {
          await close();
          log.info(`${name} stopped`);
        } catch (err) {
          process.exitCode = 1;
          log.error({ err }, `${name} failed to stop cleanly`);
        }
      }
      log.info('stopped');
    })();
    return stopping;
  };

  // Under `npm start` the tsx CLI sits between the terminal and this process and relays SIGINT/SIGTERM to us ~30 ms
  // after the terminal already delivered Ctrl-C to the whole process group, so one Ctrl-C often arrives twice: a repeat
  // within DUPLICATE_SIGNAL_MS is ignored. tsx SIGKILLs a child that does not acknowledge the relayed signal within
  // 30 ms (its preflight hook acknowledges, if the event loop is free), so shutdown work starts only after that window.
  const DUPLICATE_SIGNAL_MS = 1_000;
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      stopRequested = true;
      log.info({ signal }, 'shutting down (press Ctrl-C again to force)');
      setTimeout(() => void shutdown(), 100);
      return;
    }
    if (now - firstSignalAt < DUPLICATE_SIGNAL_MS) {
      log.debug({ signal }, 'ignoring repeated signal (relayed by tsx)');
      return;
    }
    process.stderr.write(`\n${signal} again: exiting now without a clean shutdown\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  startup.catch((err: unknown) => {
    if (err instanceof StopRequested) return;
    process.exitCode = 1;
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    log.fatal({ err }, `startup failed: ${err instanceof Error ? err.message : String(err)}`);
    void shutdown();
  });
}

const config = loadConfigForBoot();
if (config) main(config);
