import { sql } from 'kysely';
import type { Executor } from './connect';
import type { ClientRow, ClientUpdate, MailingFilter, NewClient } from './database';

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

export interface FacetValue {
  value: string;
  count: number;
}

/**
 * The most frequent values of a client column with their counts (most frequent first, then by value), at most
 * `limit`. Each is a group-by over the column's own index (clients_operator_code_idx, clients_tag_idx,
 * clients_timezone_idx), read in index order without a sort of the table.
 */
async function facet(db: Executor, column: 'operator_code' | 'tag' | 'timezone', limit: number): Promise<FacetValue[]> {
  const result = await sql<{ value: string; n: string }>`
    SELECT ${sql.ref(column)} AS value, count(*) AS n FROM clients GROUP BY 1 ORDER BY n DESC, value LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => ({ value: r.value, count: Number(r.n) }));
}

/** Operator codes, tags and time zones offered from the data (for a mailing's filter builder), and the client total. */
export async function clientFacets(db: Executor, limit: number) {
  const [operatorCodes, tags, timezones, total] = await Promise.all([
    facet(db, 'operator_code', limit),
    facet(db, 'tag', limit),
    facet(db, 'timezone', limit),
    db.selectFrom('clients').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { operatorCodes, tags, timezones, total: Number(total.n) };
}

/**
 * Clients a mailing with this filter would address, with exactly the semantics of materializeMessages (lib/db/
 * message.repository.ts): an empty list matches any value, a client matches any of a field's values, and every field
 * must match. With byTimezone, also per client time zone (most clients first).
 */
export async function countMatchingClients(db: Executor, filter: MailingFilter, byTimezone: boolean) {
  const codes = filter.operatorCodes;
  const tags = filter.tags;
  const matches = sql`(${codes.length === 0} OR c.operator_code = ANY(${codes}::text[]))
      AND (${tags.length === 0} OR c.tag = ANY(${tags}::text[]))`;
  if (!byTimezone) {
    const result = await sql<{ n: string }>`SELECT count(*) AS n FROM clients c WHERE ${matches}`.execute(db);
    return { count: Number(result.rows[0].n), timezones: null };
  }
  const result = await sql<{ timezone: string; n: string }>`
    SELECT c.timezone, count(*) AS n FROM clients c WHERE ${matches} GROUP BY c.timezone ORDER BY n DESC, c.timezone`.execute(db);
  const timezones = result.rows.map((r) => ({ timezone: r.timezone, count: Number(r.n) }));
  return { count: timezones.reduce((sum, z) => sum + z.count, 0), timezones };
}
