import type { Generated, Selectable } from 'kysely';
import type { CreatedAt, Defaulted, Json, Timestamp, UpdatedAt } from './column-types';

/** uploading: the API is staging the file; processing: the import workflow runs; then completed or failed. */
export type ClientImportStatus = 'uploading' | 'processing' | 'completed' | 'failed';
export const CLIENT_IMPORT_STATUSES: readonly ClientImportStatus[] = ['uploading', 'processing', 'completed', 'failed'];

/** One problem of a rejected row: the column (or `row` for the record as a whole) and why. */
export interface ImportRowError {
  field: string;
  reason: string;
}

export interface ClientImportTable {
  id: Generated<number>;
  status: Defaulted<ClientImportStatus>;
  dry_run: Defaulted<boolean>;
  created_by: string;
  workflow_id: string | null;
  bytes: Defaulted<number>;
  rows_read: Defaulted<number>;
  inserted: Defaulted<number>;
  updated: Defaulted<number>;
  rejected: Defaulted<number>;
  rejections_kept: Defaulted<number>;
  max_rejections: Defaulted<number>;
  /** The last staged line the workflow has processed (0: none yet). */
  cursor_line: Defaulted<number>;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** A staged CSV record: normalised values when valid (errors null), else the phone as written and the errors (JSON). */
export interface ClientImportRowTable {
  import_id: number;
  line: number;
  phone: string | null;
  operator_code: string | null;
  tag: string | null;
  timezone: string | null;
  errors: string | null;
}

export interface ClientImportRejectionTable {
  import_id: number;
  line: number;
  phone: string | null;
  errors: Json<ImportRowError[]>;
}

export interface ClientImportTables {
  client_imports: ClientImportTable;
  client_import_rows: ClientImportRowTable;
  client_import_rejections: ClientImportRejectionTable;
}

export type ClientImportRow = Selectable<ClientImportTable>;
export type ClientImportRejectionRow = Selectable<ClientImportRejectionTable>;
