import { sql } from 'kysely';
import type { Db, Executor } from './connect';
import type { ClientImportRow } from './client-import-tables';

/** Fewer staged rows than the upload read: the staging table lost them (a database crash empties UNLOGGED tables). */
export class ImportStagingLostError extends Error {
  override readonly name = 'ImportStagingLostError';
  constructor(importId: number, found: number, read: number) {
    super(`import ${importId}: ${found} of the ${read} rows read are still staged (the database restarted?); upload the file again`);
  }
}

/** The import row is gone (deleted while its workflow ran). */
export class ImportNotFoundError extends Error {
  override readonly name = 'ImportNotFoundError';
  constructor(importId: number) {
    super(`client import ${importId} not found`);
  }
}

export interface ImportBatchOutcome {
  /** Nothing left to process (or the import is no longer processing). */
  done: boolean;
  import: ClientImportRow;
}

const MAX_LINE = 2_147_483_647;

interface RangeCounts {
  valid: number;
  rejected: number;
}

async function lockImport(tx: Executor, importId: number): Promise<ClientImportRow> {
  const row = await tx.selectFrom('client_imports').selectAll().where('id', '=', importId).forUpdate().executeTakeFirst();
  if (!row) throw new ImportNotFoundError(importId);
  return row;
}

/** Valid and rejected staged rows of the import in (from, to]. */
async function rangeCounts(tx: Executor, importId: number, from: number, to: number): Promise<RangeCounts> {
  const r = await sql<{ valid: string; rejected: string }>`
    SELECT count(*) FILTER (WHERE errors IS NULL) AS valid, count(*) FILTER (WHERE errors IS NOT NULL) AS rejected
    FROM client_import_rows WHERE import_id = ${importId} AND line > ${from} AND line <= ${to}`.execute(tx);
  return { valid: Number(r.rows[0].valid), rejected: Number(r.rows[0].rejected) };
}

/**
 * Upserts the valid staged rows in (from, to] by phone. A phone repeated in the range is written once, with its last
 * line's values (the last row wins, as it would row by row); rows go in phone order, so two imports touching the same
 * phones lock them in the same order. `xmax = 0` tells an inserted row from an updated one.
 */
async function upsertRange(tx: Executor, importId: number, from: number, to: number): Promise<{ inserted: number; updated: number }> {
  const r = await sql<{ inserted: string; updated: string }>`
    WITH batch AS (
      SELECT DISTINCT ON (phone) phone, operator_code, tag, timezone FROM client_import_rows
      WHERE import_id = ${importId} AND line > ${from} AND line <= ${to} AND errors IS NULL
      ORDER BY phone, line DESC
    ), up AS (
      INSERT INTO clients (phone, operator_code, tag, timezone) SELECT phone, operator_code, tag, timezone FROM batch
      ON CONFLICT (phone) DO UPDATE SET operator_code = excluded.operator_code, tag = excluded.tag, timezone = excluded.timezone, updated_at = now()
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`.execute(tx);
  return { inserted: Number(r.rows[0].inserted), updated: Number(r.rows[0].updated) };
}

/** Keeps the rejected rows of (from, to] in the report, up to `room` of them (the first ones by line). */
async function keepRejections(tx: Executor, importId: number, from: number, to: number, room: number): Promise<number> {
  if (room <= 0) return 0;
  const r = await sql`
    INSERT INTO client_import_rejections (import_id, line, phone, errors)
    SELECT import_id, line, phone, errors::jsonb FROM client_import_rows
    WHERE import_id = ${importId} AND line > ${from} AND line <= ${to} AND errors IS NOT NULL
    ORDER BY line LIMIT ${room}
    ON CONFLICT DO NOTHING`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

async function addCounts(
  tx: Executor,
  importId: number,
  c: { inserted: number; updated: number; rejected: number; kept: number; cursorLine: number },
): Promise<ClientImportRow> {
  return tx
    .updateTable('client_imports')
    .set((eb) => ({
      inserted: eb('inserted', '+', c.inserted),
      updated: eb('updated', '+', c.updated),
      rejected: eb('rejected', '+', c.rejected),
      rejections_kept: eb('rejections_kept', '+', c.kept),
      cursor_line: c.cursorLine,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', importId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const processed = (row: ClientImportRow): number => row.inserted + row.updated + row.rejected;

/**
 * Processes the next `batchRows` staged rows of an import in one transaction: upsert, rejections kept, counters and
 * cursor moved together, so a retried or repeated call never counts or writes a batch twice (the cursor says what is
 * done). synchronous_commit off: a crash can only lose whole batches, which the cursor then redoes.
 */
export async function importNextBatch(db: Db, importId: number, batchRows: number): Promise<ImportBatchOutcome> {
  return db.transaction().execute(async (tx) => {
    await sql`SET LOCAL synchronous_commit = off`.execute(tx);
    const row = await lockImport(tx, importId);
    if (row.status !== 'processing') return { done: true, import: row };
    const from = row.cursor_line;
    // The batch is the next `batchRows` lines from the first staged line after the cursor (lines are dense but for
    // empty lines and multi-line fields). min() reads one index entry; "LIMIT n" in line order would make the
    // planner, without statistics on a just-filled table, sort every staged row for each batch.
    const firstLine = await sql<{ line: number | null }>`
      SELECT min(line) AS line FROM client_import_rows WHERE import_id = ${importId} AND line > ${from}`.execute(tx);
    const first = firstLine.rows[0].line;
    if (first === null) {
      if (processed(row) !== row.rows_read) throw new ImportStagingLostError(importId, processed(row), row.rows_read);
      return { done: true, import: row };
    }
    const to = Math.min(first + batchRows - 1, MAX_LINE);
    const counts = await rangeCounts(tx, importId, from, to);
    const up = await upsertRange(tx, importId, from, to);
    const kept = await keepRejections(tx, importId, from, to, row.max_rejections - row.rejections_kept);
    // A phone repeated within the range was written once: its other rows count as updates, as they would one by one.
    const updated = up.updated + (counts.valid - up.inserted - up.updated);
    const next = await addCounts(tx, importId, { inserted: up.inserted, updated, rejected: counts.rejected, kept, cursorLine: to });
    return { done: false, import: next };
  });
}

/**
 * A dry run, whole-file in one read-only pass over the staging rows: rows that would insert a client (the first valid
 * row of a phone no client has), would update one (every other valid row), and the rejections kept.
 */
export async function dryRunImport(db: Db, importId: number): Promise<ClientImportRow> {
  return db.transaction().execute(async (tx) => {
    const row = await lockImport(tx, importId);
    if (row.status !== 'processing' || row.cursor_line > 0) return row;
    const to = MAX_LINE;
    const counts = await rangeCounts(tx, importId, 0, to);
    if (counts.valid + counts.rejected !== row.rows_read) throw new ImportStagingLostError(importId, counts.valid + counts.rejected, row.rows_read);
    const fresh = await sql<{ n: string }>`
      SELECT count(*) AS n FROM (SELECT DISTINCT phone FROM client_import_rows WHERE import_id = ${importId} AND errors IS NULL) s
      WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.phone = s.phone)`.execute(tx);
    const inserted = Number(fresh.rows[0].n);
    const kept = await keepRejections(tx, importId, 0, to, row.max_rejections - row.rejections_kept);
    const last = await sql<{ line: number | null }>`SELECT max(line) AS line FROM client_import_rows WHERE import_id = ${importId}`.execute(tx);
    return addCounts(tx, importId, { inserted, updated: counts.valid - inserted, rejected: counts.rejected, kept, cursorLine: last.rows[0].line ?? 1 });
  });
}
