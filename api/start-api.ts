import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import { connectTemporal } from '../lib/temporal/connect';
import { clientImportSettingsFromConfig } from '../lib/temporal/client-import-workflows';
import { ensureMailingWorkflows, mailingWorkflowOptionsFromConfig } from '../lib/temporal/mailing-workflows';
import { requireSetting } from '../lib/config';
import { SecretBox } from '../lib/crypto/secret-box';
import { parseAllowlist } from '../lib/net/ssrf';
import { webhookOptionsFromConfig } from '../lib/temporal/webhook-workflows';
import { sealLegacyHeaders } from '../lib/db/webhook-endpoint.repository';
import { sealHeaders } from '../lib/webhooks/custom-headers';
import { createEventPublisher } from '../lib/webhooks/publisher';
import { loadPlugins } from '../lib/integrations/registry';
import { integrationOptionsFromConfig } from '../lib/temporal/integration-workflows';
import { createApp } from './app';
import { rateLimitSettingsFromConfig } from './rate-limit';
import { consoleAuthSettingsFromConfig } from './session/settings';

/** The app and the options it was built with, from the config: everything but listening. */
export function createAppFromConfig(deps: { config: Config; db: Db; logger: Logger; temporal: Client }) {
  const { config, db, logger, temporal } = deps;
  const workflow = mailingWorkflowOptionsFromConfig(config);
  const options = webhookOptionsFromConfig(config);
  const webhooks = {
    options,
    events: createEventPublisher({ db, client: temporal, options, logger }),
    secretBox: new SecretBox(requireSetting(config, 'ENCRYPTION_KEY')),
    urlPolicy: { allowlist: parseAllowlist(config.WEBHOOK_ALLOWLIST), httpsOnly: config.WEBHOOK_HTTPS_ONLY },
    maxBacklog: config.WEBHOOK_MAX_BACKLOG,
  };
  const integrations = {
    plugins: loadPlugins(),
    secretBox: webhooks.secretBox,
    urlPolicy: webhooks.urlPolicy,
    options: integrationOptionsFromConfig(config),
  };
  const app = createApp({
    db, temporal, logger, adminApiKey: config.ADMIN_API_KEY, workflow, webhooks, integrations,
    rateLimits: rateLimitSettingsFromConfig(config), trustProxy: config.TRUST_PROXY,
    consoleAuth: consoleAuthSettingsFromConfig(config, webhooks.secretBox),
    reports: { timezone: config.REPORT_TIMEZONE, topReasons: config.REPORT_TOP_REASONS },
    clientImports: clientImportSettingsFromConfig(config),
  });
  return { app, workflow, webhooks };
}

/** Connects to Temporal once, builds the app and listens; close() stops HTTP, then the Temporal connection. */
export async function startApiServer(deps: { config: Config; db: Db; logger: Logger }): Promise<{ url: string; close(): Promise<void> }> {
  const { config, db, logger } = deps;
  const temporal = await connectTemporal(config);
  const { app, workflow, webhooks } = createAppFromConfig({ config, db, logger, temporal: temporal.client });
  // A mailing committed just before a crash may have no workflow yet: start those (existing ones are left alone).
  await ensureMailingWorkflows(db, temporal.client, workflow).then(
    (ids) => ids.length > 0 && logger.warn({ mailingIds: ids }, 'started missing mailing workflows'),
    (err: unknown) => logger.error({ err }, 'could not check mailing workflows at boot'),
  );
  // Header values saved in plain text before they were sealed (the migration had no key): seal them now. Readers take
  // both forms meanwhile, so a failure here loses nothing; it is logged and tried again at the next boot.
  await sealLegacyHeaders(db, (plain) => sealHeaders(webhooks.secretBox, plain)).then(
    (n) => n > 0 && logger.info({ endpoints: n }, 'sealed plain-text webhook header values'),
    (err: unknown) => logger.error({ err }, 'could not seal plain-text webhook header values at boot'),
  );
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${port}`;
  logger.info({ url }, 'api listening');
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await temporal.close();
    },
  };
}
