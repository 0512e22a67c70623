import { sql } from 'kysely';
import { inTransaction, type Executor } from './connect';
import type { EndpointOrdering, WebhookEndpointRow } from './webhook-tables';

/** After a rotation the previous secret keeps signing beside the new one for this long. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;
/** Old secrets kept signing at most (the oldest beyond this stop signing at once). */
export const MAX_OLD_SECRETS = 10;

export interface EndpointFields {
  url: string;
  description: string;
  event_types: string[];
  /** Custom headers with their values sealed (lib/webhooks/custom-headers.ts sealHeaders): never plain values. */
  sealed_headers: Record<string, string>;
  timeout_ms: number;
  rate_limit_per_s: number | null;
  ordering: EndpointOrdering;
  enabled: boolean;
}

/** Inserts the endpoint and its first (sealed) secret together. */
export async function insertEndpoint(db: Executor, fields: EndpointFields, sealedSecret: string): Promise<WebhookEndpointRow> {
  return inTransaction(db, async (tx) => {
    const row = await tx
      .insertInto('webhook_endpoints')
      .values({ ...fields, sealed_headers: JSON.stringify(fields.sealed_headers) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx.insertInto('webhook_endpoint_secrets').values({ endpoint_id: row.id, secret_sealed: sealedSecret }).execute();
    return row;
  });
}

export async function findEndpoint(db: Executor, id: number): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listEndpoints(db: Executor, f: { enabled?: boolean; cursor?: number; limit: number }): Promise<WebhookEndpointRow[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll();
  if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled);
  if (f.cursor !== undefined) q = q.where('id', '>', f.cursor);
  return q.orderBy('id').limit(f.limit).execute();
}

/**
 * Applies a patch; re-enabling clears the disabled reason and the failure streak. New headers replace the old ones in
 * both stored forms, so a plain value left from before sealing never comes back beside them.
 */
export async function updateEndpoint(db: Executor, id: number, patch: Partial<EndpointFields>): Promise<WebhookEndpointRow | undefined> {
  const { sealed_headers: headers, ...rest } = patch;
  return db
    .updateTable('webhook_endpoints')
    .set({
      ...rest,
      ...(headers !== undefined ? { sealed_headers: JSON.stringify(headers), legacy_plain_headers: '{}' } : {}),
      ...(patch.enabled === true ? { disabled_reason: null, disabled_at: null, failing_since: null, failure_count: 0 } : {}),
      // Re-enabled or pointed elsewhere: the breaker starts closed, so waiting deliveries flow at once.
      ...(patch.enabled === true || patch.url !== undefined ? { breaker_failures: 0, breaker_open_until: null, breaker_opens: 0 } : {}),
      ...(patch.ordering !== undefined ? { fifo_lease_until: null } : {}),
      ...(patch.enabled === false ? { disabled_reason: 'disabled by a user', disabled_at: sql<Date>`now()` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEndpoint(db: Executor, id: number): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Sealed secrets that sign now: the current one first, then old ones still within their grace period. */
export async function activeSecrets(db: Executor, endpointId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_endpoint_secrets')
    .select('secret_sealed')
    .where('endpoint_id', '=', endpointId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => r.secret_sealed);
}

/** activeSecrets of many endpoints at once: endpoint id -> sealed secrets, newest first. */
export async function activeSecretsOf(db: Executor, endpointIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>(endpointIds.map((id) => [id, []]));
  if (endpointIds.length === 0) return map;
  const rows = await db
    .selectFrom('webhook_endpoint_secrets')
    .select(['endpoint_id', 'secret_sealed'])
    .where('endpoint_id', 'in', endpointIds)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) map.get(Number(row.endpoint_id))?.push(row.secret_sealed);
  return map;
}

/** The current secret gets a 24 h expiry and the new one becomes current; at most MAX_OLD_SECRETS old ones stay. */
export async function rotateSecret(db: Executor, endpointId: number, sealedSecret: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    // Serialises rotations of one endpoint: two at once would otherwise both leave a current secret.
    await tx.selectFrom('webhook_endpoints').select('id').where('id', '=', endpointId).forUpdate().execute();
    await tx
      .updateTable('webhook_endpoint_secrets')
      .set({ expires_at: sql<Date>`now() + ${`${SECRET_ROTATION_GRACE_MS} milliseconds`}::interval` })
      .where('endpoint_id', '=', endpointId)
      .where('expires_at', 'is', null)
      .execute();
    await tx.insertInto('webhook_endpoint_secrets').values({ endpoint_id: endpointId, secret_sealed: sealedSecret }).execute();
    const keep = tx
      .selectFrom('webhook_endpoint_secrets')
      .select('id')
      .where('endpoint_id', '=', endpointId)
      .where('expires_at', '>', sql<Date>`now()`)
      .orderBy('id', 'desc')
      .limit(MAX_OLD_SECRETS);
    await tx
      .deleteFrom('webhook_endpoint_secrets')
      .where('endpoint_id', '=', endpointId)
      .where('expires_at', 'is not', null)
      .where('id', 'not in', keep)
      .execute();
  });
}

/** Ends the failure streak. Writes only when something changes (or once a minute), so busy endpoints' rows stay cool. */
export async function recordEndpointSuccess(db: Executor, id: number): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null, failure_count: 0, last_success_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where(sql<boolean>`(failure_count <> 0 or failing_since is not null or last_success_at is null or last_success_at < now() - interval '1 minute')`)
    .execute();
}

/** Counts one failed attempt into the streak (the attempt's follow-up reads it back to judge auto-disable). */
export async function recordEndpointFailure(db: Executor, id: number): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({
      failing_since: sql<Date>`coalesce(failing_since, now())`,
      failure_count: eb('failure_count', '+', 1),
      last_failure_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .execute();
}

/** Disables the endpoint if enabled; returns its row afterwards (whoever disabled it), undefined when it is gone. */
export async function disableEndpoint(db: Executor, id: number, reason: string): Promise<WebhookEndpointRow | undefined> {
  await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, disabled_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('enabled', '=', true)
    .execute();
  return findEndpoint(db, id);
}

/**
 * Rate limiting shared by every worker: reserves the endpoint's next send slot (1/rate seconds after the previous
 * one) and returns how long until it. The reservation is the queue: a caller told to wait sleeps (a durable timer
 * when it is long) and then sends without reserving again.
 */
export async function reserveRateSlot(db: Executor, id: number, ratePerSecond: number): Promise<number> {
  const spacing = `${1000 / ratePerSecond} milliseconds`;
  const reserved = await sql<{ wait_ms: number }>`
    update webhook_endpoints
       set rate_next_at = greatest(coalesce(rate_next_at, now()), now()) + ${spacing}::interval
     where id = ${id}
     returning greatest(0, extract(epoch from (rate_next_at - ${spacing}::interval - now())) * 1000)::float8 as wait_ms`.execute(db);
  return Math.ceil(reserved.rows[0]?.wait_ms ?? 0);
}

/**
 * Boot step: seals the custom header values still stored in plain text (rows written before 2026-12-03; the migration
 * that moved them aside had no key) and empties `legacy_plain_headers`, in batches of `batchSize` rows, each under a
 * row lock: idempotent, and several processes booting at once neither double-seal nor lose a concurrent PATCH (the
 * locked row is read again after the lock). A plain value whose name was sealed since (a PATCH) is dropped: the sealed
 * one is newer. Returns how many endpoints were sealed.
 */
export async function sealLegacyHeaders(
  db: Executor,
  seal: (plain: Record<string, string>) => Record<string, string>,
  batchSize = 100,
): Promise<number> {
  let sealed = 0;
  for (;;) {
    const done = await inTransaction(db, async (tx) => {
      const rows = await tx
        .selectFrom('webhook_endpoints')
        .select(['id', 'sealed_headers', 'legacy_plain_headers'])
        .where(sql<boolean>`legacy_plain_headers <> '{}'::jsonb`)
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        await tx
          .updateTable('webhook_endpoints')
          .set({ sealed_headers: JSON.stringify({ ...seal(row.legacy_plain_headers), ...row.sealed_headers }), legacy_plain_headers: '{}' })
          .where('id', '=', row.id)
          .execute();
      }
      return rows.length;
    });
    // Not `done < batchSize`: rows another process sealed while this one waited for their lock drop out of a batch.
    if (done === 0) return sealed;
    sealed += done;
  }
}
