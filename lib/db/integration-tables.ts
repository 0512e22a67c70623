import type { Generated, Selectable } from 'kysely';
import type { CreatedAt, Defaulted, Json, Timestamp, UpdatedAt } from './column-types';

export type IntegrationPriority = 'normal' | 'high';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled'];
/** What started a run: its own Schedule, the sync-all Schedule, the API (sync now / full resync). */
export type RunTrigger = 'schedule' | 'sync-all' | 'manual';

export type IntegrationSchedule = { kind: 'interval'; every_seconds: number } | { kind: 'cron'; cron: string; timezone: string };

export interface CredentialTable {
  id: Generated<number>;
  name: string;
  type: string;
  public: Json<Record<string, unknown>>;
  secret_sealed: string; // AES-256-GCM of the secret fields as JSON (lib/crypto/secret-box.ts)
  allowed_hosts: Defaulted<string[]>; // the only hosts its headers are ever sent to ('*.example.com' = subdomains)
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface IntegrationTable {
  id: Generated<number>;
  name: string;
  provider: string;
  credential_id: number | null;
  config: Json<Record<string, unknown>>;
  schedule: Json<IntegrationSchedule>;
  active: Defaulted<boolean>;
  priority: Defaulted<IntegrationPriority>;
  cursor: string | null; // the provider's checkpoint, saved after each stored page
  cursor_updated_at: Timestamp | null;
  last_run_id: number | null;
  last_run_status: RunStatus | null;
  last_run_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface IntegrationRunTable {
  id: Generated<number>;
  integration_id: number;
  workflow_id: string | null;
  trigger: RunTrigger;
  full_resync: Defaulted<boolean>;
  status: Defaulted<RunStatus>;
  started_at: CreatedAt;
  finished_at: Timestamp | null;
  pages: Defaulted<number>;
  fetched: Defaulted<number>;
  inserted: Defaulted<number>;
  updated: Defaulted<number>;
  more: Defaulted<boolean>; // false once the last page is stored
  cursor_start: string | null;
  error: string | null;
}

export interface IntegrationRecordTable {
  id: Generated<number>;
  integration_id: number;
  external_id: string;
  data: Json<Record<string, unknown>>;
  hash: string;
  source_modified_at: Timestamp | null;
  first_run_id: number | null;
  last_run_id: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt; // changes only when the record's content does (the records API's modified-since)
}

export interface IntegrationTables {
  credentials: CredentialTable;
  integrations: IntegrationTable;
  integration_runs: IntegrationRunTable;
  integration_records: IntegrationRecordTable;
}

export type CredentialRow = Selectable<CredentialTable>;
export type IntegrationRow = Selectable<IntegrationTable>;
export type IntegrationRunRow = Selectable<IntegrationRunTable>;
export type IntegrationRecordRow = Selectable<IntegrationRecordTable>;
