// Standalone worker process (docker-compose): DATABASE_URL and PROVIDER_URL are required here.
import { loadConfig, requireSetting } from '../lib/config';
import { createDb } from '../lib/db/connect';
import { createLogger } from '../lib/logger';
import { installTemporalRuntime } from './runtime';
import { startWorker } from './start-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { component: 'worker' });
  installTemporalRuntime(logger, { handleSignals: false });
  const db = createDb(requireSetting(config, 'DATABASE_URL'), { max: config.DB_POOL_MAX });
  const worker = await startWorker({ config, db, logger });
  const stop = async () => {
    logger.info('shutting down worker');
    await worker.close();
    await db.destroy();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
