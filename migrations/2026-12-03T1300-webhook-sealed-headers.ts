import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
//
// Custom header values (often an Authorization token) were stored in plain text in webhook_endpoints.headers. From
// now on they are sealed with AES-256-GCM like signing secrets, but sealing needs ENCRYPTION_KEY, which migrations do
// not have (they run in `npm run migrate` and the compose migrate job, and must not import app code). So this
// migration only makes room, and the application finishes the move:
// - `headers` becomes `legacy_plain_headers`: the plain values of rows written before today, and nothing else. The
//   rename (rather than a new column beside `headers`) makes any code still writing plain values fail loudly.
// - `sealed_headers` holds `{name: sealed value}`: names stay readable (viewers see them), values are sealed one by one.
// - The API seals leftover plain values at boot, row by row under a row lock, and empties the legacy column
//   (sealLegacyHeaders in lib/db/webhook-endpoint.repository.ts): idempotent, and safe when several APIs boot at once.
// - Until then, readers take both columns (lib/webhooks/custom-headers.ts openHeaders), so no header is lost or unsent
//   whichever process boots first.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').renameColumn('headers', 'legacy_plain_headers').execute();
  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('sealed_headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

// Going back cannot open sealed values (no key here): only the plain values still waiting to be sealed come back.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').dropColumn('sealed_headers').execute();
  await db.schema.alterTable('webhook_endpoints').renameColumn('legacy_plain_headers', 'headers').execute();
}
