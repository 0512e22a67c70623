import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Bulk client import (POST /clients/import):
// - client_imports: one row per upload, its status (uploading -> processing -> completed | failed), whether it is a
//   dry run, who sent it, and the counters the API shows while it runs (rows read from the file; rows inserted,
//   updated and rejected so far; how many rejections are kept) with cursor_line, the last staged line processed.
// - client_import_rows: the staging area. The API streams each upload in here (one row per CSV record, checked
//   already: the normalised values of a valid row, or its errors as JSON) and the import workflow upserts them into
//   clients in line order. UNLOGGED: staging needs no WAL (about twice as fast to fill); a database crash empties it,
//   which the workflow notices (fewer rows than were read) and reports as a failed import. Deleted when the import
//   ends.
// - client_import_rejections: the report of rejected rows (line, phone as written, errors), the first N per import.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_imports')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('uploading'))
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('inserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejections_kept', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_rejections', 'integer', (c) => c.notNull().defaultTo(10_000))
    .addColumn('cursor_line', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('client_imports_status_idx').on('client_imports').columns(['status', 'updated_at']).execute();

  await sql`
    CREATE UNLOGGED TABLE client_import_rows (
      import_id bigint NOT NULL,
      line integer NOT NULL,
      phone text,
      operator_code text,
      tag text,
      timezone text,
      errors text,
      PRIMARY KEY (import_id, line)
    )`.execute(db);

  await db.schema
    .createTable('client_import_rejections')
    .addColumn('import_id', 'bigint', (c) => c.notNull().references('client_imports.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('errors', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_import_rejections_pkey', ['import_id', 'line'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['client_import_rejections', 'client_import_rows', 'client_imports']) await db.schema.dropTable(table).ifExists().execute();
}
