import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('credentials')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('public', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('allowed_hosts', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'bigint', (c) => c.references('credentials.id').onDelete('restrict'))
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('schedule', 'jsonb', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
    .addColumn('cursor', 'text')
    .addColumn('cursor_updated_at', 'timestamptz')
    .addColumn('last_run_id', 'bigint')
    .addColumn('last_run_status', 'text')
    .addColumn('last_run_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('integrations_credential_idx').on('integrations').column('credential_id').execute();

  await db.schema
    .createTable('integration_runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('integration_id', 'bigint', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
    .addColumn('workflow_id', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('full_resync', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fetched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('inserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('more', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('cursor_start', 'text')
    .addColumn('error', 'text')
    .execute();
  // At most one running sync per integration: the lock that keeps runs from overlapping, whoever starts them.
  await db.schema
    .createIndex('integration_runs_one_running')
    .on('integration_runs')
    .column('integration_id')
    .unique()
    .where(sql.ref('status'), '=', 'running')
    .execute();
  await db.schema.createIndex('integration_runs_integration_idx').on('integration_runs').columns(['integration_id', 'id']).execute();

  await db.schema
    .createTable('integration_records')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('integration_id', 'bigint', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('source_modified_at', 'timestamptz')
    .addColumn('first_run_id', 'bigint')
    .addColumn('last_run_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('integration_records_external_unique', ['integration_id', 'external_id'])
    .execute();
  await db.schema.createIndex('integration_records_list_idx').on('integration_records').columns(['integration_id', 'id']).execute();
  await db.schema.createIndex('integration_records_modified_idx').on('integration_records').columns(['integration_id', 'updated_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['integration_records', 'integration_runs', 'integrations', 'credentials']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
