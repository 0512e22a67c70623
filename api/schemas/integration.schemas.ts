import { RUN_STATUSES } from '../../lib/db/integration-tables';
import { HOST_PATTERN } from '../../lib/integrations/allowed-hosts';
import { z } from '../openapi';
import { isoDate, page, PaginationQuery, patchBody, timeZone } from './common.schemas';

const pluginId = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a plugin id such as github-issues');
const jsonObject = (description: string) => z.record(z.string(), z.unknown()).openapi({ description });
const timestamps = { created_at: z.string(), updated_at: z.string() };

// --- plugins

export const CredentialTypeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    public_schema: jsonObject('JSON Schema of the public fields'),
    secret_schema: jsonObject('JSON Schema of the secret fields'),
  })
  .openapi('CredentialType');
export const CredentialTypeList = z.object({ items: z.array(CredentialTypeSchema) }).openapi('CredentialTypeList');

export const ProviderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.string(),
    description: z.string(),
    credential_types: z.array(z.string()),
    credential_required: z.boolean(),
    config_schema: jsonObject('JSON Schema of the integration config'),
  })
  .openapi('Provider');
export const ProviderList = z.object({ items: z.array(ProviderSchema) }).openapi('ProviderList');
export const PluginIdParams = z.object({ id: pluginId.openapi({ param: { name: 'id', in: 'path' }, example: 'github-issues' }) });

// --- credentials

const credentialName = z.string().trim().min(1, 'is required').max(200);
const allowedHosts = z
  .array(z.string().trim().toLowerCase().regex(HOST_PATTERN, "must be a host name such as api.github.com, or '*.example.com' for its subdomains"))
  .min(1, 'name at least one host')
  .max(20)
  .openapi({ description: 'The only hosts these credentials are ever sent to', example: ['api.github.com'] });

export const CreateCredentialBody = z
  .object({
    name: credentialName,
    type: pluginId.openapi({ description: 'A credential type id from GET /credential-types' }),
    public: jsonObject('Public fields per the type’s public_schema').default({}),
    secret: jsonObject('Secret fields per the type’s secret_schema: encrypted, never returned'),
    allowed_hosts: allowedHosts,
  })
  .strict()
  .openapi('CreateCredential');

export const UpdateCredentialBody = patchBody(
  {
    name: credentialName.optional(),
    public: jsonObject('Replaces the public fields').optional(),
    secret: jsonObject('Replaces every secret field').optional(),
    allowed_hosts: allowedHosts.optional(),
  },
  'UpdateCredential',
);

export const CredentialSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    type: z.string(),
    public: jsonObject('Public fields'),
    secret_fields: z.array(z.string()).openapi({ description: 'Names of the secret fields that are set (never their values)' }),
    allowed_hosts: z.array(z.string()),
    used_by: z.array(z.number().int()).optional().openapi({ description: 'Integrations using it (on GET of one credential)' }),
    ...timestamps,
  })
  .openapi('Credential');
export const CredentialPage = page(CredentialSchema, 'CredentialPage');
export const CredentialListQuery = z.object({ type: pluginId.optional(), ...PaginationQuery });

// --- integrations

const CRON = /^(\S+\s+){4}\S+$/;
export const ScheduleSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('interval'),
        every_seconds: z.number().int().min(60, 'at least 60 (one minute)').max(30 * 86_400, 'at most 30 days'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('cron'),
        cron: z.string().max(100).regex(CRON, 'must be a 5-field cron expression, e.g. "0 */6 * * *"'),
        timezone: timeZone().default('UTC'),
      })
      .strict(),
  ])
  .openapi('IntegrationSchedule', { description: 'Every N seconds, or a cron expression in a time zone' });

const priority = z.enum(['normal', 'high']).openapi({ description: "'high' runs on the priority task queue, served by its own workers" });

export const CreateIntegrationBody = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    provider: pluginId.openapi({ description: 'A provider id from GET /providers' }),
    credential_id: z.number().int().positive().nullable().default(null),
    config: jsonObject('Per the provider’s config_schema').default({}),
    schedule: ScheduleSchema,
    active: z.boolean().default(true),
    priority: priority.default('normal'),
  })
  .strict()
  .openapi('CreateIntegration');

export const UpdateIntegrationBody = patchBody(
  {
    name: z.string().trim().min(1).max(200).optional(),
    credential_id: z.number().int().positive().nullable().optional(),
    config: jsonObject('Replaces the config').optional(),
    schedule: ScheduleSchema.optional(),
    active: z.boolean().optional().openapi({ description: 'false pauses its Schedule; true resumes it' }),
    priority: priority.optional(),
  },
  'UpdateIntegration',
);

export const RunSchema = z
  .object({
    id: z.number().int(),
    integration_id: z.number().int(),
    workflow_id: z.string().nullable(),
    trigger: z.enum(['schedule', 'sync-all', 'manual']),
    full_resync: z.boolean(),
    status: z.enum(RUN_STATUSES),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    pages: z.number().int(),
    fetched: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('IntegrationRun');
export const RunPage = page(RunSchema, 'IntegrationRunPage');
export const RunListQuery = z.object({ status: z.enum(RUN_STATUSES).optional(), ...PaginationQuery });

export const IntegrationSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    provider: z.string(),
    credential_id: z.number().int().nullable(),
    config: jsonObject('The config'),
    schedule: ScheduleSchema,
    active: z.boolean(),
    priority,
    cursor: z.string().nullable().openapi({ description: 'The checkpoint saved after the last stored page' }),
    cursor_updated_at: z.string().nullable(),
    last_run: z.object({ id: z.number().int(), status: z.enum(RUN_STATUSES).nullable(), at: z.string().nullable() }).nullable(),
    temporal_schedule: z
      .object({ id: z.string(), paused: z.boolean(), next_runs: z.array(z.string()) })
      .nullable()
      .optional()
      .openapi({ description: 'What Temporal says about its Schedule (on GET of one integration; null if missing)' }),
    ...timestamps,
  })
  .openapi('Integration');
export const IntegrationPage = page(IntegrationSchema, 'IntegrationPage');
export const IntegrationListQuery = z.object({ provider: pluginId.optional(), active: z.enum(['true', 'false']).optional(), ...PaginationQuery });

export const SyncBody = z
  .object({ full_resync: z.boolean().default(false).openapi({ description: 'Put the cursor back to the beginning first' }) })
  .strict()
  .openapi('SyncNow');
export const SyncStartedSchema = z.object({ run: RunSchema, workflow_id: z.string() }).openapi('SyncStarted');

export const RecordSchema = z
  .object({
    id: z.number().int(),
    external_id: z.string(),
    data: jsonObject('The record as the provider normalized it'),
    source_modified_at: z.string().nullable(),
    first_run_id: z.number().int().nullable(),
    last_run_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string().openapi({ description: 'When Relay last saw its content change' }),
  })
  .openapi('IntegrationRecord');
export const RecordPage = page(RecordSchema, 'IntegrationRecordPage');
export const RecordListQuery = z.object({
  modified_since: isoDate('Only records whose content changed at or after this time').optional(),
  external_id: z.string().max(500).optional(),
  ...PaginationQuery,
});
