import { loadConfigForBoot, requireSetting, type Config } from './config';
import { createDb, type Db } from './db/connect';
import { createLogger, type Logger } from './logger';

/**
 * Boots one standalone process (api/main.ts, worker/main.ts): config from the environment, a logger, the database
 * pool, then `start`; SIGINT/SIGTERM close what it started, then the pool. Boot errors set a non-zero exit code.
 */
export function runProcess(
  component: string,
  start: (deps: { config: Config; db: Db; logger: Logger }) => Promise<{ close(): Promise<void> }>,
): void {
  const config = loadConfigForBoot();
  if (!config) return;
  const boot = async () => {
    const logger = createLogger(config.LOG_LEVEL, { component });
    const db = createDb(requireSetting(config, 'DATABASE_URL'), { max: config.DB_POOL_MAX });
    const running = await start({ config, db, logger });
    const stop = async () => {
      logger.info(`shutting down ${component}`);
      await running.close();
      await db.destroy();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  };
  boot().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
