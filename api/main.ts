// Standalone API process (docker-compose): DATABASE_URL is required here.
import { loadConfig, requireSetting } from '../lib/config';
import { createDb } from '../lib/db/connect';
import { createLogger } from '../lib/logger';
import { startApiServer } from './start-api';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { component: 'api' });
  const db = createDb(requireSetting(config, 'DATABASE_URL'), { max: config.DB_POOL_MAX });
  const api = await startApiServer({ config, db, logger });
  const stop = async () => {
    logger.info('shutting down api');
    await api.close();
    await db.destroy();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
