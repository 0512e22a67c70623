import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSmsProvider } from '../activities/sms-provider';
import { requireSetting, type Config } from '../lib/config';
import { SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { parseAllowlist } from '../lib/net/ssrf';
import { connectTemporal } from '../lib/temporal/connect';
import { ensureWebhookSchedules, webhookOptionsFromConfig } from '../lib/temporal/webhook-workflows';
import { createEventPublisher } from '../lib/webhooks/publisher';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** Pre-bundled workflow code (tests bundle once per file); bundled from workflows/ otherwise. */
  workflowBundle?: WorkflowBundle;
  /** An existing connection (tests); otherwise one is opened to TEMPORAL_ADDRESS and closed with the worker. */
  connection?: NativeConnection;
  /** An existing client (tests); otherwise one is opened to TEMPORAL_ADDRESS and closed with the worker. */
  client?: Client;
  /** Skip creating the webhook Schedules (time-skipping tests, whose server has no Schedules). */
  skipSchedules?: boolean;
}

/**
 * Connects and runs two workers on one bundle and one set of activities: the mailing task queue and the webhook task
 * queue, so long send activities never hold up webhook attempts (and the other way round).
 */
export async function startWorker(deps: WorkerDeps): Promise<{ worker: Worker; close(): Promise<void> }> {
  const { config, db, logger } = deps;
  const ownConnection = !deps.connection;
  const connection = deps.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  // A client too: activities start delivery workflows.
  const temporal = deps.client ? { client: deps.client, close: async () => {} } : await connectTemporal(config);
  const provider = createSmsProvider({
    baseUrl: requireSetting(config, 'PROVIDER_URL'),
    token: config.PROVIDER_TOKEN ?? '',
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
  const webhookOptions = webhookOptionsFromConfig(config);
  const events = createEventPublisher({ db, client: temporal.client, options: webhookOptions, logger });
  const activities = createActivities({
    db,
    provider,
    logger,
    events,
    secretBox: new SecretBox(requireSetting(config, 'ENCRYPTION_KEY')),
    urlPolicy: { allowlist: parseAllowlist(config.WEBHOOK_ALLOWLIST), httpsOnly: config.WEBHOOK_HTTPS_ONLY },
    temporal: { client: temporal.client, options: webhookOptions },
  });
  const workflowSource = deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...workflowSource,
    activities,
    // Cancellation reaches activities through heartbeats: keep that path short so ends_at cuts sends off promptly.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    maxConcurrentActivityTaskExecutions: 20,
  });
  const webhookWorker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.WEBHOOK_TASK_QUEUE,
    ...workflowSource,
    activities,
    // Attempts mostly wait on the network: many in flight per worker.
    maxConcurrentActivityTaskExecutions: 200,
  });
  const running = [worker, webhookWorker].map((w) => {
    const run = w.run();
    run.catch((err: unknown) => logger.error({ err, taskQueue: w.options.taskQueue }, 'worker stopped with an error'));
    return run;
  });
  if (!deps.skipSchedules) {
    await ensureWebhookSchedules(temporal.client, { ...webhookOptions, retentionDays: config.WEBHOOK_RETENTION_DAYS }).catch((err: unknown) =>
      logger.error({ err }, 'could not create the webhook schedules'),
    );
  }
  logger.info({ taskQueues: [config.TEMPORAL_TASK_QUEUE, config.WEBHOOK_TASK_QUEUE], address: config.TEMPORAL_ADDRESS }, 'worker running');
  return {
    worker,
    async close() {
      for (const w of [worker, webhookWorker]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running.map((r) => r.catch(() => undefined)));
      await temporal.close();
      if (ownConnection) await connection.close();
      provider.close?.();
    },
  };
}
