import type { Executor } from './connect';
import type { IntegrationPriority, IntegrationRow, IntegrationSchedule } from './integration-tables';

export interface IntegrationFields {
  name: string;
  provider: string;
  credential_id: number | null;
  config: Record<string, unknown>;
  schedule: IntegrationSchedule;
  active: boolean;
  priority: IntegrationPriority;
}

const jsonColumns = (f: Partial<IntegrationFields>) => ({
  ...(f.config !== undefined ? { config: JSON.stringify(f.config) } : {}),
  ...(f.schedule !== undefined ? { schedule: JSON.stringify(f.schedule) } : {}),
});

export async function insertIntegration(db: Executor, f: IntegrationFields): Promise<IntegrationRow> {
  return db
    .insertInto('integrations')
    .values({ ...f, config: JSON.stringify(f.config), schedule: JSON.stringify(f.schedule) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findIntegration(db: Executor, id: number): Promise<IntegrationRow | undefined> {
  return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listIntegrations(
  db: Executor,
  f: { provider?: string; active?: boolean; cursor?: number; limit: number },
): Promise<IntegrationRow[]> {
  let q = db.selectFrom('integrations').selectAll();
  if (f.provider !== undefined) q = q.where('provider', '=', f.provider);
  if (f.active !== undefined) q = q.where('active', '=', f.active);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function updateIntegration(
  db: Executor,
  id: number,
  change: Partial<IntegrationFields> & { cursor?: string | null },
): Promise<IntegrationRow | undefined> {
  const { config: _config, schedule: _schedule, ...plain } = change;
  return db
    .updateTable('integrations')
    .set({ ...plain, ...jsonColumns(change), ...(change.cursor !== undefined ? { cursor_updated_at: new Date() } : {}), updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteIntegration(db: Executor, id: number): Promise<boolean> {
  const result = await db.deleteFrom('integrations').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
