import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Console sign-in sessions (api/session/). The cookie holds a random token; only its SHA-256 is stored, so a copy of
// the table signs nobody in. The CSRF token is not stored either: it is an HMAC of the cookie's token, checked
// against the cookie presented. A session made from an API key ends when that key is revoked (the lookup joins
// api_keys); one made from the bootstrap key keeps the key's hash and ends when ADMIN_API_KEY changes. An OIDC
// session keeps the issuer, the subject and its ID token (sealed AES-256-GCM) as the hint for RP-initiated logout.
// Idle expiry is last_seen_at + CONSOLE_SESSION_IDLE_MINUTES (config, applied at lookup), absolute expiry expires_at.
// Ended sessions are deleted in bounded batches by the API whenever a session is made, so the table holds little more
// than the live sessions (people signed in to the console): no index on the times is worth its writes.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('principal_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'bigint', (c) => c.references('api_keys.id').onDelete('cascade'))
    .addColumn('bootstrap_key_hash', 'text')
    .addColumn('oidc_issuer', 'text')
    .addColumn('oidc_subject', 'text')
    .addColumn('sealed_id_token', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('console_sessions_role', sql`role in ('admin', 'operator', 'viewer')`)
    .addCheckConstraint(
      'console_sessions_method',
      sql`(method = 'api_key' and oidc_issuer is null and (api_key_id is not null) <> (bootstrap_key_hash is not null))
       or (method = 'oidc' and oidc_issuer is not null and oidc_subject is not null and api_key_id is null and bootstrap_key_hash is null)`,
    )
    .execute();
  await db.schema.createIndex('console_sessions_api_key_idx').on('console_sessions').column('api_key_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').ifExists().execute();
}
