import { sql } from 'kysely';
import type { Db } from '../../lib/db/connect';
import { insertIntegration } from '../../lib/db/integration.repository';
import { createMailingRow, nextPhone } from './fixtures';

// Rows of one day written straight into the database, with the times the daily report reads (the statistics
// triggers count at now(): their rows are moved to the day too).

export interface MailingSeed {
  text?: string;
  sent?: number;
  expired?: number;
  cancelled?: number;
  /** reason → messages that failed with it */
  failed?: Record<string, number>;
  /** reason → messages that ended unknown with it */
  unknown?: Record<string, number>;
}

/** A completed mailing whose messages reached their final status at `at`. */
export async function seedMailing(db: Db, at: Date, seed: MailingSeed): Promise<number> {
  const mailing = await createMailingRow(db, { text: seed.text, startsAt: new Date(at.getTime() - 3_600_000), endsAt: new Date(at.getTime() + 3_600_000) });
  await db.updateTable('mailings').set({ status: 'completed' }).where('id', '=', mailing.id).execute();
  type Row = { status: 'sent' | 'failed' | 'unknown' | 'expired' | 'cancelled'; last_error: string | null };
  const rows: Row[] = [];
  const add = (status: Row['status'], n: number, reason: string | null = null) => {
    for (let i = 0; i < n; i++) rows.push({ status, last_error: reason });
  };
  add('sent', seed.sent ?? 0);
  add('expired', seed.expired ?? 0);
  add('cancelled', seed.cancelled ?? 0);
  for (const [reason, n] of Object.entries(seed.failed ?? {})) add('failed', n, reason);
  for (const [reason, n] of Object.entries(seed.unknown ?? {})) add('unknown', n, reason);
  if (rows.length > 0) {
    await db
      .insertInto('messages')
      .values(rows.map((r) => ({ mailing_id: mailing.id, phone: nextPhone(), timezone: 'UTC', status: r.status, last_error: r.last_error, updated_at: at, sent_at: r.status === 'sent' ? at : null })))
      .execute();
  }
  await sql`UPDATE message_minute_counts SET minute = date_trunc('minute', ${at}::timestamptz) WHERE mailing_id = ${mailing.id}`.execute(db);
  return mailing.id;
}

export interface WebhookSeed {
  succeeded?: number;
  failed?: number;
  /** Pending deliveries not due (so no dispatcher picks them up). */
  pending?: number;
  /** Disable the endpoint at `at`. */
  disable?: string;
}

/** An endpoint with one event per delivery published at `at`, each delivery with one attempt at `at`. */
export async function seedWebhooks(db: Db, at: Date, seed: WebhookSeed): Promise<{ endpointId: number; url: string }> {
  const url = `https://hooks.example.com/report-${Math.random().toString(36).slice(2, 8)}`;
  const endpoint = await db
    .insertInto('webhook_endpoints')
    .values({ url, event_types: [], ...(seed.disable ? { enabled: false, disabled_at: at, disabled_reason: seed.disable } : {}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const statuses = [
    ...Array<'succeeded'>(seed.succeeded ?? 0).fill('succeeded'),
    ...Array<'failed'>(seed.failed ?? 0).fill('failed'),
    ...Array<'pending'>(seed.pending ?? 0).fill('pending'),
  ];
  for (const [i, status] of statuses.entries()) {
    const event = await db
      .insertInto('webhook_events')
      .values({ type: 'report.seeded', payload: JSON.stringify({ i }), source: 'api', created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    const delivery = await db
      .insertInto('webhook_deliveries')
      .values({ event_id: event.id, endpoint_id: endpoint.id, status, attempts: status === 'pending' ? 0 : 1, next_attempt_at: null, dispatched_at: at, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (status === 'pending') continue;
    await db
      .insertInto('webhook_attempts')
      .values({
        delivery_id: delivery.id, event_id: event.id, endpoint_id: endpoint.id, attempt: 1, trigger: 'scheduled', started_at: at,
        duration_ms: 10 * (i + 1), outcome: status, status_code: status === 'succeeded' ? 200 : 500, error: status === 'failed' ? 'HTTP 500' : null,
      })
      .execute();
  }
  return { endpointId: endpoint.id, url };
}

export interface RunSeed {
  status: 'succeeded' | 'failed' | 'cancelled';
  fetched: number;
  inserted: number;
  updated: number;
}

/** An inactive integration (no Schedule of its own) with sync runs started at `at`. */
export async function seedSyncRuns(db: Db, at: Date, name: string, runs: RunSeed[]): Promise<number> {
  const integration = await insertIntegration(db, {
    name, provider: 'http-json', credential_id: null, config: { url: 'https://api.example.com/items' },
    schedule: { kind: 'interval', every_seconds: 3600 }, active: false, priority: 'normal',
  });
  for (const r of runs) {
    await db
      .insertInto('integration_runs')
      .values({ integration_id: integration.id, trigger: 'manual', status: r.status, started_at: at, finished_at: at, fetched: r.fetched, inserted: r.inserted, updated: r.updated, more: false })
      .execute();
  }
  return integration.id;
}

/** Puts report recipients on the list (straight into the table: the API is tested on its own). */
export async function setRecipients(db: Db, recipients: { email: string; name?: string }[]): Promise<void> {
  await db.deleteFrom('report_recipients').execute();
  if (recipients.length > 0) await db.insertInto('report_recipients').values(recipients.map((r) => ({ email: r.email, name: r.name ?? null }))).execute();
}
