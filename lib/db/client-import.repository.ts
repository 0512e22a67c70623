import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ClientImportRejectionRow, ClientImportRow, ClientImportStatus, ImportRowError } from './client-import-tables';

/** A checked CSV record as staged: values to upsert when valid (errors null), else the phone as written and errors. */
export interface StagedImportRow {
  line: number;
  phone: string | null;
  operatorCode: string | null;
  tag: string | null;
  timezone: string | null;
  errors: ImportRowError[] | null;
}

export async function createImport(db: Executor, input: { createdBy: string; dryRun: boolean; maxRejections: number }): Promise<ClientImportRow> {
  return db
    .insertInto('client_imports')
    .values({ created_by: input.createdBy, dry_run: input.dryRun, max_rejections: input.maxRejections })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Stages records in one statement: the columns travel as arrays and unnest into rows, about as fast as COPY for
 * batches of thousands (one round trip, one plan) without its driver. `ON CONFLICT DO NOTHING`: a batch sent again
 * after a lost answer stages nothing twice.
 */
export async function stageImportRows(db: Executor, importId: number, rows: readonly StagedImportRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: StagedImportRow) => T) => rows.map(pick);
  await sql`
    INSERT INTO client_import_rows (import_id, line, phone, operator_code, tag, timezone, errors)
    SELECT ${importId}, * FROM unnest(
      ${col((r) => r.line)}::int[], ${col((r) => r.phone)}::text[], ${col((r) => r.operatorCode)}::text[],
      ${col((r) => r.tag)}::text[], ${col((r) => r.timezone)}::text[], ${col((r) => (r.errors ? JSON.stringify(r.errors) : null))}::text[])
    ON CONFLICT DO NOTHING`.execute(db);
}

/** Progress of an upload (rows read, bytes): shown while it runs, and what tells a live upload from an abandoned one. */
export async function noteUploadProgress(db: Executor, importId: number, progress: { rowsRead: number; bytes: number }): Promise<void> {
  await db
    .updateTable('client_imports')
    .set({ rows_read: progress.rowsRead, bytes: progress.bytes, updated_at: sql<Date>`now()` })
    .where('id', '=', importId)
    .where('status', '=', 'uploading')
    .execute();
}

/** The upload is staged whole: the import is the workflow's from here on. */
export async function markImportUploaded(
  db: Executor,
  importId: number,
  upload: { rowsRead: number; bytes: number; workflowId: string },
): Promise<ClientImportRow> {
  return db
    .updateTable('client_imports')
    .set({ status: 'processing', rows_read: upload.rowsRead, bytes: upload.bytes, workflow_id: upload.workflowId, started_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', importId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes an import's staged rows, a bounded batch per statement (no long lock, no giant transaction). */
export async function deleteStagedRows(db: Executor, importId: number, batch = 50_000): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await sql`
      DELETE FROM client_import_rows WHERE import_id = ${importId} AND line IN (
        SELECT line FROM client_import_rows WHERE import_id = ${importId} ORDER BY line LIMIT ${batch})`.execute(db);
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < batch) return total;
  }
}

/** An upload that did not make it (bad encoding, too large, the client went away): nothing of it is kept. */
export async function discardImport(db: Executor, importId: number): Promise<void> {
  await deleteStagedRows(db, importId);
  await db.deleteFrom('client_imports').where('id', '=', importId).execute();
}

/**
 * Ends an import that is processing (its counters stay as the workflow left them) and deletes its staged rows. One
 * that has ended already keeps its ending (a repeated call, or a workflow started for an import the API had failed).
 */
export async function finishImport(db: Executor, importId: number, status: Extract<ClientImportStatus, 'completed' | 'failed'>, error: string | null): Promise<ClientImportRow | undefined> {
  const row =
    (await db
      .updateTable('client_imports')
      .set({ status, error, finished_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
      .where('id', '=', importId)
      .where('status', 'in', ['uploading', 'processing'])
      .returningAll()
      .executeTakeFirst()) ?? (await findImport(db, importId));
  await deleteStagedRows(db, importId);
  return row;
}

/**
 * Uploads whose API process died mid-way: `uploading` with no progress noted for `staleMs` (a live upload notes
 * progress every second). They are failed and their staged rows deleted; called before each new import.
 */
export async function failStaleUploads(db: Executor, staleMs: number): Promise<number[]> {
  const stale = await db
    .updateTable('client_imports')
    .set({ status: 'failed', error: 'the upload was interrupted (the API stopped before the file was read whole)', finished_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('status', '=', 'uploading')
    .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${staleMs / 1000})`)
    .returning('id')
    .execute();
  for (const { id } of stale) await deleteStagedRows(db, id);
  return stale.map((r) => r.id);
}

export async function findImport(db: Executor, importId: number): Promise<ClientImportRow | undefined> {
  return db.selectFrom('client_imports').selectAll().where('id', '=', importId).executeTakeFirst();
}

/** Newest first: `cursor` is the last id of the previous page. */
export async function listImports(db: Executor, f: { status?: ClientImportStatus; cursor?: number; limit: number }): Promise<ClientImportRow[]> {
  let q = db.selectFrom('client_imports').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.cursor !== undefined) q = q.where('id', '<', f.cursor);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

/** The kept rejections of an import in line order, after line `afterLine`. */
export async function listRejections(db: Executor, importId: number, f: { afterLine?: number; limit: number }): Promise<ClientImportRejectionRow[]> {
  let q = db.selectFrom('client_import_rejections').selectAll().where('import_id', '=', importId);
  if (f.afterLine !== undefined) q = q.where('line', '>', f.afterLine);
  return q.orderBy('line').limit(f.limit).execute();
}
