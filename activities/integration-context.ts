// Everything one sync step needs: the run, its integration, the provider, and a SyncContext with opened credentials.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { SecretBox } from '../lib/crypto/secret-box';
import type { Db } from '../lib/db/connect';
import { findCredential } from '../lib/db/credential.repository';
import { findIntegration } from '../lib/db/integration.repository';
import { findRun } from '../lib/db/integration-run.repository';
import type { IntegrationRow, IntegrationRunRow } from '../lib/db/integration-tables';
import { ProviderConfigError } from '../lib/integrations/errors';
import { createHttpClient } from '../lib/integrations/http-client';
import type { OpenedCredential, Provider, SyncContext } from '../lib/integrations/plugin';
import type { PluginRegistry } from '../lib/integrations/registry';
import type { Logger } from '../lib/logger';
import type { UrlPolicy } from '../lib/net/ssrf';
import type { EventPublisher } from '../lib/webhooks/publisher';
import type { IntegrationWorkflowOptions } from '../lib/temporal/integration-workflows';
import { IntegrationGoneError } from './integration-failures';

export interface IntegrationActivityDeps {
  db: Db;
  logger: Logger;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  events: EventPublisher;
  plugins: PluginRegistry;
  temporal: { client: Client };
  integrations: { options: IntegrationWorkflowOptions; httpTimeoutMs: number };
}

export interface SyncTarget {
  integration: IntegrationRow;
  provider: Provider;
  ctx: SyncContext<unknown>;
}

/** The run, or IntegrationGoneError when it went with its integration. */
export async function requireRun(db: Db, runId: number): Promise<IntegrationRunRow> {
  const run = await findRun(db, runId);
  if (!run) throw new IntegrationGoneError(`run ${runId} no longer exists`);
  return run;
}

/**
 * The integration of a run with its provider and a SyncContext: the credential opened (in memory only) and the config
 * parsed again (a plugin may have changed since it was saved).
 */
export async function loadSyncTarget(deps: IntegrationActivityDeps, run: IntegrationRunRow): Promise<SyncTarget> {
  const { db, plugins, secretBox } = deps;
  const runId = run.id;
  const integration = await findIntegration(db, run.integration_id);
  if (!integration) throw new IntegrationGoneError(`the integration of run ${runId} no longer exists`);
  const provider = plugins.providers.get(integration.provider);
  if (!provider) throw new ProviderConfigError(`provider '${integration.provider}' is not installed`);
  const config = provider.configSchema.safeParse(integration.config);
  if (!config.success) throw new ProviderConfigError(`the saved config no longer fits provider '${provider.id}': ${config.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

  let credential: OpenedCredential | null = null;
  let authHeaders: Record<string, string> = {};
  let allowedHosts: string[] = [];
  if (integration.credential_id !== null) {
    const row = await findCredential(db, integration.credential_id);
    if (!row) throw new ProviderConfigError(`credential ${integration.credential_id} no longer exists`);
    const type = plugins.credentialTypes.get(row.type);
    if (!type) throw new ProviderConfigError(`credential type '${row.type}' is not installed`);
    const pub = type.publicSchema.safeParse(row.public);
    const secret = type.secretSchema.safeParse(JSON.parse(secretBox.open(row.secret_sealed)));
    if (!pub.success || !secret.success) throw new ProviderConfigError(`credential ${row.id} no longer fits type '${row.type}'`);
    credential = { type: row.type, public: pub.data, secret: secret.data };
    authHeaders = type.headers(pub.data, secret.data);
    allowedHosts = row.allowed_hosts;
  } else if (provider.credentialRequired) {
    throw new ProviderConfigError(`provider '${provider.id}' needs credentials and the integration has none`);
  }

  const signal = Context.current().cancellationSignal;
  return {
    integration,
    provider,
    ctx: {
      config: config.data,
      credential,
      authHeaders,
      http: createHttpClient({
        policy: deps.urlPolicy,
        timeoutMs: deps.integrations.httpTimeoutMs,
        signal,
        ...(credential ? { credential: { values: [...Object.values(authHeaders), ...Object.values(credential.secret).filter((v): v is string => typeof v === 'string')], allowedHosts } } : {}),
      }),
      signal,
      logger: deps.logger.child({ integrationId: integration.id, runId, provider: provider.id }),
    },
  };
}
