import type { Executor } from './connect';
import type { CredentialRow } from './integration-tables';

export interface CredentialFields {
  name: string;
  type: string;
  public: Record<string, unknown>;
  allowedHosts: string[];
}

export async function insertCredential(db: Executor, fields: CredentialFields, secretSealed: string): Promise<CredentialRow> {
  return db
    .insertInto('credentials')
    .values({ name: fields.name, type: fields.type, public: JSON.stringify(fields.public), allowed_hosts: fields.allowedHosts, secret_sealed: secretSealed })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCredential(db: Executor, id: number): Promise<CredentialRow | undefined> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCredentials(db: Executor, f: { type?: string; cursor?: number; limit: number }): Promise<CredentialRow[]> {
  let q = db.selectFrom('credentials').selectAll();
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function updateCredential(
  db: Executor,
  id: number,
  change: { name?: string; public?: Record<string, unknown>; allowedHosts?: string[]; secretSealed?: string },
): Promise<CredentialRow | undefined> {
  return db
    .updateTable('credentials')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.public !== undefined ? { public: JSON.stringify(change.public) } : {}),
      ...(change.secretSealed !== undefined ? { secret_sealed: change.secretSealed } : {}),
      ...(change.allowedHosts !== undefined ? { allowed_hosts: change.allowedHosts } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Ids of the integrations using a credential (a credential in use cannot be deleted). */
export async function integrationsUsingCredential(db: Executor, id: number): Promise<number[]> {
  const rows = await db.selectFrom('integrations').select('id').where('credential_id', '=', id).orderBy('id').limit(20).execute();
  return rows.map((r) => r.id);
}

export async function deleteCredential(db: Executor, id: number): Promise<boolean> {
  const result = await db.deleteFrom('credentials').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
