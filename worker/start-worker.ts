import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSmsProvider, type SmsProvider } from '../activities/sms-provider';
import { requireSetting, type Config } from '../lib/config';
import { SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { parseAllowlist } from '../lib/net/ssrf';
import { connectTemporal } from '../lib/temporal/connect';
import { ensureDispatchers, ensureWebhookSchedules, webhookOptionsFromConfig } from '../lib/temporal/webhook-workflows';
import { dispatchSettingsFromConfig } from '../lib/webhooks/dispatch-settings';
import { loadPlugins, type PluginRegistry } from '../lib/integrations/registry';
import { ensureIntegrationSchedules } from '../lib/integrations/schedules';
import { integrationOptionsFromConfig } from '../lib/temporal/integration-workflows';
import { ensureRecurrenceSchedules } from '../lib/temporal/mailing-recurrence-schedules';
import { mailingWorkflowOptionsFromConfig } from '../lib/temporal/mailing-workflows';
import { createEventPublisher } from '../lib/webhooks/publisher';
import { reportSettingsFromConfig } from '../lib/reports/settings';
import { ensureDailyReportSchedule } from '../lib/temporal/report-workflows';

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
  /** Skip creating the Schedules (time-skipping tests, whose server has no Schedules). */
  skipSchedules?: boolean;
  /** The plugins (tests may pass their own); plugins/ otherwise. */
  plugins?: PluginRegistry;
}

/**
 * Connects and runs one worker per task queue named in WORKER_QUEUES (default: all), on one bundle and one set of
 * activities: mailings, webhooks, integration syncs and high-priority integration syncs each have their own slots, so
 * long send activities never hold up webhook attempts or a priority sync (and a deployment can give the priority
 * queue its own processes with WORKER_QUEUES=integrations-priority).
 */
export async function startWorker(deps: WorkerDeps): Promise<{ workers: Worker[]; close(): Promise<void> }> {
  const { config, db, logger } = deps;
  const ownConnection = !deps.connection;
  const connection = deps.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  // A client too: activities start delivery workflows.
  const temporal = deps.client ? { client: deps.client, close: async () => {} } : await connectTemporal(config);
  // Only a worker serving the mailing queue talks to the SMS provider (and needs PROVIDER_URL).
  const provider: SmsProvider = config.WORKER_QUEUES.includes('mailings')
    ? createSmsProvider({ baseUrl: requireSetting(config, 'PROVIDER_URL'), token: config.PROVIDER_TOKEN ?? '', timeoutMs: config.PROVIDER_TIMEOUT_MS })
    : { send: () => Promise.reject(new Error('this worker does not serve the mailing queue')) };
  const webhookOptions = webhookOptionsFromConfig(config);
  const integrationOptions = integrationOptionsFromConfig(config);
  const mailingWorkflow = mailingWorkflowOptionsFromConfig(config);
  const events = createEventPublisher({ db, client: temporal.client, options: webhookOptions, logger });
  const activities = createActivities({
    db,
    provider,
    logger,
    events,
    sendRatePerS: config.SEND_RATE_PER_S,
    secretBox: new SecretBox(requireSetting(config, 'ENCRYPTION_KEY')),
    urlPolicy: { allowlist: parseAllowlist(config.WEBHOOK_ALLOWLIST), httpsOnly: config.WEBHOOK_HTTPS_ONLY },
    temporal: { client: temporal.client, options: webhookOptions },
    plugins: deps.plugins ?? loadPlugins(),
    integrations: { options: integrationOptions, httpTimeoutMs: config.INTEGRATION_HTTP_TIMEOUT_MS },
    mailingWorkflow,
    reports: reportSettingsFromConfig(config),
  });
  // Bundled once for every queue's worker (a workflowsPath would make each Worker bundle the same code again).
  const workflowSource = { workflowBundle: deps.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') })) };
  const queues = {
    // Cancellation reaches send activities through heartbeats: keep that path short so ends_at cuts sends off promptly.
    mailings: { taskQueue: config.TEMPORAL_TASK_QUEUE, maxConcurrentActivityTaskExecutions: 20, maxHeartbeatThrottleInterval: '1 second', defaultHeartbeatThrottleInterval: '1 second' },
    // Attempts mostly wait on the network: many in flight per worker.
    webhooks: { taskQueue: config.WEBHOOK_TASK_QUEUE, maxConcurrentActivityTaskExecutions: 200 },
    integrations: { taskQueue: integrationOptions.taskQueue, maxConcurrentActivityTaskExecutions: 20 },
    'integrations-priority': { taskQueue: integrationOptions.priorityTaskQueue, maxConcurrentActivityTaskExecutions: 20 },
  } as const;
  const workers: Worker[] = [];
  for (const name of config.WORKER_QUEUES) {
    workers.push(await Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, ...workflowSource, activities, ...queues[name] }));
  }
  const running = workers.map((w) => {
    const run = w.run();
    run.catch((err: unknown) => logger.error({ err, taskQueue: w.options.taskQueue }, 'worker stopped with an error'));
    return run;
  });
  if (config.WORKER_QUEUES.includes('webhooks')) {
    await ensureDispatchers(temporal.client, webhookOptions, dispatchSettingsFromConfig(config)).catch((err: unknown) =>
      logger.error({ err }, 'could not start the webhook dispatchers'),
    );
  }
  if (!deps.skipSchedules) {
    await ensureWebhookSchedules(temporal.client, { ...webhookOptions, retentionDays: config.WEBHOOK_RETENTION_DAYS }).catch((err: unknown) =>
      logger.error({ err }, 'could not create the webhook schedules'),
    );
    await ensureIntegrationSchedules(db, temporal.client, integrationOptions, config.INTEGRATION_SYNC_ALL_MINUTES, logger).catch((err: unknown) =>
      logger.error({ err }, 'could not create the integration schedules'),
    );
    await ensureRecurrenceSchedules(db, temporal.client, mailingWorkflow, logger).catch((err: unknown) =>
      logger.error({ err }, 'could not create the mailing recurrence schedules'),
    );
    const reports = reportSettingsFromConfig(config);
    await ensureDailyReportSchedule(temporal.client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE, searchAttributes: config.TEMPORAL_SEARCH_ATTRIBUTES, cron: reports.cron, timezone: reports.timezone,
    }).catch((err: unknown) => logger.error({ err }, 'could not create the daily report schedule'));
  }
  logger.info({ taskQueues: workers.map((w) => w.options.taskQueue), address: config.TEMPORAL_ADDRESS }, 'worker running');
  return {
    workers,
    async close() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running.map((r) => r.catch(() => undefined)));
      await temporal.close();
      if (ownConnection) await connection.close();
      provider.close?.();
    },
  };
}
