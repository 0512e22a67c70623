import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSmsProvider } from '../activities/sms-provider';
import { requireSetting, type Config } from '../lib/config';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** Pre-bundled workflow code (tests bundle once per file); bundled from workflows/ otherwise. */
  workflowBundle?: WorkflowBundle;
  /** An existing connection (tests); otherwise one is opened to TEMPORAL_ADDRESS and closed with the worker. */
  connection?: NativeConnection;
}

/** Connects, registers the workflows and the activities (built with their dependencies) and runs until close(). */
export async function startWorker(deps: WorkerDeps): Promise<{ worker: Worker; close(): Promise<void> }> {
  const { config, db, logger } = deps;
  const ownConnection = !deps.connection;
  const connection = deps.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  const provider = createSmsProvider({
    baseUrl: requireSetting(config, 'PROVIDER_URL'),
    token: config.PROVIDER_TOKEN ?? '',
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({ db, provider, logger }),
    // Cancellation reaches activities through heartbeats: keep that path short so ends_at cuts sends off promptly.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    maxConcurrentActivityTaskExecutions: 20,
  });
  const running = worker.run();
  running.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS }, 'worker running');
  return {
    worker,
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      if (ownConnection) await connection.close();
      provider.close?.();
    },
  };
}
