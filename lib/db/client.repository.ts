import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ClientRow, ClientUpdate, NewClient } from './database';

export async function insertClient(db: Executor, client: NewClient): Promise<ClientRow> {
  return db.insertInto('clients').values(client).returningAll().executeTakeFirstOrThrow();
}

export async function findClient(db: Executor, id: number): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ClientListFilter {
  operatorCode?: string;
  tag?: string;
  timezone?: string;
  phone?: string;
  cursor?: number;
  limit: number;
}

export async function listClients(db: Executor, f: ClientListFilter): Promise<ClientRow[]> {
  let q = db.selectFrom('clients').selectAll();
  if (f.operatorCode) q = q.where('operator_code', '=', f.operatorCode);
  if (f.tag !== undefined) q = q.where('tag', '=', f.tag);
  if (f.timezone) q = q.where('timezone', '=', f.timezone);
  if (f.phone) q = q.where('phone', '=', f.phone);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function updateClient(db: Executor, id: number, patch: ClientUpdate): Promise<ClientRow | undefined> {
  return db
    .updateTable('clients')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteClient(db: Executor, id: number): Promise<boolean> {
  const r = await db.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
