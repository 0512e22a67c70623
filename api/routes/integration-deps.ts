import type { Client } from '@temporalio/client';
import type { SecretBox } from '../../lib/crypto/secret-box';
import type { Db } from '../../lib/db/connect';
import { findCredential } from '../../lib/db/credential.repository';
import { findIntegration } from '../../lib/db/integration.repository';
import type { CredentialRow, IntegrationRow } from '../../lib/db/integration-tables';
import { hostsOutside } from '../../lib/integrations/allowed-hosts';
import type { CredentialType, Provider } from '../../lib/integrations/plugin';
import type { PluginRegistry } from '../../lib/integrations/registry';
import { assertSafeUrl, UnsafeUrlError, type UrlPolicy } from '../../lib/net/ssrf';
import type { IntegrationWorkflowOptions } from '../../lib/temporal/integration-workflows';
import { NotFoundError, ValidationError, type FieldError } from '../errors';
import { zodIssues } from '../route';

/** What the integration routes share. */
export interface IntegrationRouteDeps {
  db: Db;
  temporal: Client;
  plugins: PluginRegistry;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  options: IntegrationWorkflowOptions;
}

export async function loadIntegration(db: Db, id: number): Promise<IntegrationRow> {
  const row = await findIntegration(db, id);
  if (!row) throw new NotFoundError(`integration ${id}`);
  return row;
}

export async function loadCredential(db: Db, id: number): Promise<CredentialRow> {
  const row = await findCredential(db, id);
  if (!row) throw new NotFoundError(`credential ${id}`);
  return row;
}

export function credentialTypeOf(plugins: PluginRegistry, id: string, path = 'body.type'): CredentialType {
  const type = plugins.credentialTypes.get(id);
  if (!type) throw new ValidationError([{ path, message: `unknown credential type; one of: ${[...plugins.credentialTypes.keys()].join(', ')}` }]);
  return type;
}

export function providerOf(plugins: PluginRegistry, id: string, path = 'body.provider'): Provider {
  const provider = plugins.providers.get(id);
  if (!provider) throw new ValidationError([{ path, message: `unknown provider; one of: ${[...plugins.providers.keys()].join(', ')}` }]);
  return provider;
}

/** Both field sets checked by the type's schemas and its own validate(); errors name body.public.x / body.secret.x. */
export function parseCredentialFields(type: CredentialType, pub: unknown, secret: unknown): { public: Record<string, unknown>; secret: Record<string, unknown> } {
  const errors: FieldError[] = [];
  const p = type.publicSchema.safeParse(pub);
  const s = type.secretSchema.safeParse(secret);
  if (!p.success) errors.push(...zodIssues(p.error, 'body.public'));
  if (!s.success) errors.push(...zodIssues(s.error, 'body.secret'));
  if (p.success && s.success) {
    const secretKeys = new Set(Object.keys(type.secretSchema.shape));
    for (const issue of type.validate(p.data, s.data)) {
      errors.push({ path: `body.${secretKeys.has(issue.path.split('.')[0]) ? 'secret' : 'public'}.${issue.path}`, message: issue.message });
    }
  }
  if (errors.length > 0 || !p.success || !s.success) throw new ValidationError(errors);
  return { public: p.data, secret: s.data };
}

/** The config parsed by the provider's schema, with every URL field checked against the SSRF policy. */
export async function parseProviderConfig(provider: Provider, config: Record<string, unknown>, policy: UrlPolicy): Promise<Record<string, unknown>> {
  const parsed = provider.configSchema.safeParse(config);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, 'body.config'));
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!/url$/i.test(key) || typeof value !== 'string') continue;
    try {
      await assertSafeUrl(value, policy);
    } catch (err) {
      if (!(err instanceof UnsafeUrlError)) throw err;
      errors.push({ path: `body.config.${key}`, message: err.reason });
    }
  }
  if (errors.length > 0) throw new ValidationError(errors);
  // Stored as sent (defaults are applied again when a sync parses it), so a later plugin default applies too.
  return config;
}

/**
 * The credential exists, is of a type the provider accepts (or none, when the provider allows that), and every URL of
 * the config (with the provider's defaults) is on one of its allowed hosts.
 */
export async function assertCredentialFits(db: Db, provider: Provider, credentialId: number | null, config: Record<string, unknown>): Promise<void> {
  const path = 'body.credential_id';
  if (credentialId === null) {
    if (provider.credentialRequired) throw new ValidationError([{ path, message: `provider '${provider.id}' needs credentials of type ${provider.credentialTypes.join(' or ')}` }]);
    return;
  }
  const credential = await findCredential(db, credentialId);
  if (!credential) throw new ValidationError([{ path, message: `credential ${credentialId} does not exist` }]);
  if (!provider.credentialTypes.includes(credential.type)) {
    throw new ValidationError([{ path, message: `credential ${credentialId} is of type '${credential.type}'; provider '${provider.id}' accepts ${provider.credentialTypes.join(', ')}` }]);
  }
  const parsed = provider.configSchema.safeParse(config);
  const outside = parsed.success ? hostsOutside(credential.allowed_hosts, parsed.data) : [];
  if (outside.length > 0) {
    throw new ValidationError(
      outside.map((o) => ({ path: `body.config.${o.field}`, message: `credential ${credentialId} may only be sent to ${credential.allowed_hosts.join(', ')}, not ${o.host}` })),
    );
  }
}
