import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ApiKeyRow, Role } from './database';

export async function insertApiKey(db: Executor, key: { name: string; role: Role; keyHash: string; keyPrefix: string }): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ name: key.name, role: key.role, key_hash: key.keyHash, key_prefix: key.keyPrefix })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findActiveApiKeyByHash(db: Executor, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function touchApiKey(db: Executor, id: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: sql<Date>`now()` }).where('id', '=', id).execute();
}

export async function listApiKeys(db: Executor): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('id').execute();
}

export async function revokeApiKey(db: Executor, id: number): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
