// Integration rows and plugins become API shapes here and only here. Credentials never show their secret.
import { z } from 'zod';
import type { CredentialRow, IntegrationRecordRow, IntegrationRow, IntegrationRunRow } from '../lib/db/integration-tables';
import type { CredentialType, Provider } from '../lib/integrations/plugin';
import { iso } from './presenters';

const jsonSchema = (schema: z.ZodType): Record<string, unknown> => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

export const presentCredentialType = (t: CredentialType) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  public_schema: jsonSchema(t.publicSchema),
  secret_schema: jsonSchema(t.secretSchema),
});

export const presentProvider = (p: Provider) => ({
  id: p.id,
  name: p.name,
  category: p.category,
  description: p.description,
  credential_types: p.credentialTypes,
  credential_required: p.credentialRequired,
  config_schema: jsonSchema(p.configSchema),
});

/** `secretFields` are the names the type declares (what was stored had to fit it); values are never read here. */
export const presentCredential = (c: CredentialRow, secretFields: string[], usedBy?: number[]) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  public: c.public,
  secret_fields: secretFields,
  allowed_hosts: c.allowed_hosts,
  ...(usedBy ? { used_by: usedBy } : {}),
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
});

export interface ScheduleState {
  id: string;
  paused: boolean;
  nextRuns: Date[];
}

export const presentIntegration = (i: IntegrationRow, schedule?: ScheduleState | null) => ({
  id: i.id,
  name: i.name,
  provider: i.provider,
  credential_id: i.credential_id,
  config: i.config,
  schedule: i.schedule,
  active: i.active,
  priority: i.priority,
  cursor: i.cursor,
  cursor_updated_at: iso(i.cursor_updated_at),
  last_run: i.last_run_id === null ? null : { id: i.last_run_id, status: i.last_run_status, at: iso(i.last_run_at) },
  ...(schedule !== undefined
    ? { temporal_schedule: schedule && { id: schedule.id, paused: schedule.paused, next_runs: schedule.nextRuns.map((d) => d.toISOString()) } }
    : {}),
  created_at: i.created_at.toISOString(),
  updated_at: i.updated_at.toISOString(),
});

export const presentRun = (r: IntegrationRunRow) => ({
  id: r.id,
  integration_id: r.integration_id,
  workflow_id: r.workflow_id,
  trigger: r.trigger,
  full_resync: r.full_resync,
  status: r.status,
  started_at: r.started_at.toISOString(),
  finished_at: iso(r.finished_at),
  pages: r.pages,
  fetched: r.fetched,
  inserted: r.inserted,
  updated: r.updated,
  error: r.error,
});

export const presentRecord = (r: IntegrationRecordRow) => ({
  id: r.id,
  external_id: r.external_id,
  data: r.data,
  source_modified_at: iso(r.source_modified_at),
  first_run_id: r.first_run_id,
  last_run_id: r.last_run_id,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
