import { sql } from 'kysely';
import type { NormalizedRecord } from '../integrations/plugin';
import { recordHash } from '../integrations/record-hash';
import type { Executor } from './connect';
import type { IntegrationRecordRow } from './integration-tables';

const CHUNK = 1_000;

/** JSON PostgreSQL accepts: jsonb refuses the NUL character (\u0000), which becomes U+FFFD (keys and values alike). */
export const storableJson = (value: unknown): string => JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');

/**
 * Upserts by (integration, external id). A record whose content did not change is left alone (its updated_at stays,
 * so the records API's modified-since sees only real changes). Within one page the last copy of an id wins.
 */
export async function upsertRecords(db: Executor, integrationId: number, runId: number, records: NormalizedRecord[]): Promise<{ inserted: number; updated: number }> {
  const unique = new Map<string, NormalizedRecord>();
  for (const r of records) unique.set(r.externalId, r);
  const rows = [...unique.values()].map((r) => ({
    integration_id: integrationId,
    external_id: r.externalId,
    data: storableJson(r.data),
    hash: recordHash(r.data, r.modifiedAt),
    source_modified_at: r.modifiedAt,
    first_run_id: runId,
    last_run_id: runId,
  }));
  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const changed = await db
      .insertInto('integration_records')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['integration_id', 'external_id'])
          .doUpdateSet((eb) => ({
            data: eb.ref('excluded.data'),
            hash: eb.ref('excluded.hash'),
            source_modified_at: eb.ref('excluded.source_modified_at'),
            last_run_id: eb.ref('excluded.last_run_id'),
            updated_at: sql<Date>`now()`,
          }))
          .where('integration_records.hash', '<>', (eb) => eb.ref('excluded.hash')),
      )
      // xmax = 0 only on a freshly inserted row version.
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .execute();
    for (const row of changed) row.inserted ? inserted++ : updated++;
  }
  return { inserted, updated };
}

export async function listRecords(
  db: Executor,
  integrationId: number,
  f: { modifiedSince?: Date; externalId?: string; cursor?: number; limit: number },
): Promise<IntegrationRecordRow[]> {
  let q = db.selectFrom('integration_records').selectAll().where('integration_id', '=', integrationId);
  if (f.modifiedSince !== undefined) q = q.where('updated_at', '>=', f.modifiedSince);
  if (f.externalId !== undefined) q = q.where('external_id', '=', f.externalId);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function countRecords(db: Executor, integrationId: number): Promise<number> {
  const row = await db.selectFrom('integration_records').select((eb) => eb.fn.countAll<number>().as('n')).where('integration_id', '=', integrationId).executeTakeFirstOrThrow();
  return Number(row.n);
}
