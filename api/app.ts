import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { sql } from 'kysely';
import responseTime from 'response-time';
import swaggerUi from 'swagger-ui-express';
import type { Db } from '../lib/db/connect';
import type { Logger } from '../lib/logger';
import type { MailingWorkflowOptions } from '../lib/temporal/mailing-workflows';
import { authenticate } from './auth';
import { errorHandler, notFoundRoute } from './errors';
import { guardBody } from './input-guard';
import { methodNotAllowed } from './method-not-allowed';
import { createRateLimits, type RateLimitSettings } from './rate-limit';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import { consoleRoutes } from './console-static';
import { createRegistry, generateDocument } from './openapi';
import { apiKeyRoutes } from './routes/api-keys.routes';
import { clientRoutes } from './routes/clients.routes';
import { clientExportRoutes } from './routes/client-export.routes';
import { clientImportRoutes } from './routes/client-imports.routes';
import type { ClientImportSettings } from '../lib/temporal/client-import-workflows';
import { mailingRoutes } from './routes/mailings.routes';
import { mailingRecurrenceRoutes } from './routes/mailing-recurrences.routes';
import { statsRoutes } from './routes/stats.routes';
import { reportRoutes } from './routes/reports.routes';
import { credentialRoutes } from './routes/credentials.routes';
import type { IntegrationRouteDeps } from './routes/integration-deps';
import { integrationPluginRoutes } from './routes/integration-plugins.routes';
import { integrationRunRoutes } from './routes/integration-runs.routes';
import { integrationRoutes } from './routes/integrations.routes';
import type { WebhookRouteDeps } from './routes/webhook-deps';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.routes';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.routes';
import { webhookEventRoutes } from './routes/webhook-events.routes';
import { sessionRoutes } from './routes/session.routes';
import { oidcSignInRoutes } from './routes/session-oidc.routes';
import { consoleSessionAdminRoutes } from './routes/sessions.routes';
import { createConsoleAuth } from './session/console-auth';
import type { ConsoleAuthSettings } from './session/settings';

export interface AppDeps {
  db: Db;
  temporal: Client;
  logger: Logger;
  adminApiKey: string | undefined;
  workflow: MailingWorkflowOptions;
  webhooks: Omit<WebhookRouteDeps, 'db' | 'temporal'>;
  integrations: Omit<IntegrationRouteDeps, 'db' | 'temporal'>;
  rateLimits: RateLimitSettings;
  /** Express's `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For names the client address. */
  trustProxy?: number | string;
  /** Console sign-in: session lifetimes, OIDC, the public URL (api/session/settings.ts). */
  consoleAuth: ConsoleAuthSettings;
  /** The daily report's zone and reasons per mailing (REPORT_TIMEZONE, REPORT_TOP_REASONS); default UTC and 5. */
  reports?: { timezone: string; topReasons: number };
  /** Bulk client import (IMPORT_*); default: the mailing task queue, 200 MB, batches of 5,000, 10,000 rejections kept. */
  clientImports?: ClientImportSettings;
}

/** Builds the Express app without listening (tests call it directly). */
export function createApp(deps: AppDeps): Express {
  const { db, temporal, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  app.use(requestLog(logger));
  app.use(responseTime());
  app.use(securityHeaders());
  const limits = createRateLimits(db, deps.rateLimits, logger);
  app.use(limits.publicPaths);

  const registry = createRegistry();
  const consoleAuth = createConsoleAuth({ db, logger, settings: deps.consoleAuth, bootstrapAdminKey: deps.adminApiKey });
  const v1 = express.Router();
  // The key (or the console's session cookie, and its CSRF token on writes) is checked before the body is read: an
  // unauthenticated request costs no parsing. An address locked out for failed authentications is refused before its
  // key is looked at; then the key's own limit; then the method.
  v1.use(limits.authLockout);
  v1.use(authenticate(db, deps.adminApiKey, consoleAuth.gate));
  v1.use(limits.authFailures);
  v1.use(limits.perKey);
  v1.use(methodNotAllowed(v1));
  v1.use(express.json({ limit: '1mb' }));
  v1.use(guardBody);
  // Before clientRoutes: /clients/import, /clients/imports and /clients/export are not client ids. The upload is
  // text/csv, which express.json above leaves unread: the import streams it under its own limit (IMPORT_MAX_BYTES).
  const clientImports = deps.clientImports ?? { taskQueue: deps.workflow.taskQueue, searchAttributes: deps.workflow.searchAttributes, maxBytes: 200 * 1024 ** 2, batchRows: 5_000, maxRejections: 10_000 };
  v1.use(clientImportRoutes({ db, temporal, logger, settings: clientImports }, registry));
  v1.use(clientExportRoutes(db, registry));
  v1.use(clientRoutes(db, registry));
  v1.use(mailingRoutes({ db, temporal, workflow: deps.workflow }, registry));
  v1.use(mailingRecurrenceRoutes({ db, temporal, workflow: deps.workflow }, registry));
  v1.use(statsRoutes({ db, temporal, workflow: deps.workflow }, registry));
  v1.use(apiKeyRoutes(db, registry));
  v1.use(reportRoutes({ db, temporal, workflow: deps.workflow, timezone: deps.reports?.timezone ?? 'UTC', topReasons: deps.reports?.topReasons ?? 5 }, registry));
  const webhooks: WebhookRouteDeps = { db, temporal, ...deps.webhooks };
  v1.use(webhookEndpointRoutes(webhooks, registry));
  v1.use(webhookEventRoutes(webhooks, registry));
  v1.use(webhookDeliveryRoutes(webhooks, registry));
  const integrations: IntegrationRouteDeps = { db, temporal, ...deps.integrations };
  v1.use(integrationPluginRoutes(integrations, registry));
  v1.use(credentialRoutes(integrations, registry));
  v1.use(integrationRoutes(integrations, registry));
  v1.use(integrationRunRoutes(integrations, registry));
  v1.use(sessionRoutes(consoleAuth, registry, limits.authFailures));
  v1.use(consoleSessionAdminRoutes(consoleAuth, registry));
  const document = generateDocument([registry]);

  app.get('/health', async (_req, res) => {
    const checks = { database: 'ok', temporal: 'ok' };
    await sql`select 1`.execute(db).catch(() => (checks.database = 'unavailable'));
    await temporal.connection.workflowService.getSystemInfo({}).catch(() => (checks.temporal = 'unavailable'));
    const ok = checks.database === 'ok' && checks.temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', ...checks });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document));
  if (consoleAuth.oidc) app.use('/auth/oidc', oidcSignInRoutes(consoleAuth, consoleAuth.oidc));
  app.use('/console', consoleRoutes());
  app.locals.openapi = document; // for scripts/generate-client.ts
  app.use('/api/v1', v1);
  app.use(notFoundRoute);
  app.use(errorHandler());
  return app;
}
